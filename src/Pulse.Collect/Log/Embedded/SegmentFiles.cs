using System.Buffers.Binary;
using System.Numerics;
using Microsoft.Win32.SafeHandles;

namespace Pulse.Collect.Log;

/// <summary>Receives one record of a segment frame: its sequence number and packed bytes (valid only during the call).</summary>
internal delegate void SegmentRecordHandler(long seq, ReadOnlySpan<byte> packed);

/// <summary>
/// The log's write-ahead segments: append-only files in <c>log-segments/</c> beside the DuckDB
/// file. The writer puts each group commit as one checksummed frame and syncs it to disk before the
/// group's requests are answered; the loader then reads the frames back (from the page cache) and
/// moves the records into DuckDB in large transactions. A segment is deleted once everything in it
/// is there. After a crash, the frames of segments still present are read back and loaded (a torn
/// last frame, never acknowledged, fails its checksum and is dropped).
/// </summary>
/// <remarks>
/// Frame: magic "PLS1" (u32), record count (i32), payload length (i32), CRC-32C of the payload
/// (u32), then per record: sequence number (i64), length (i32), packed bytes. Little-endian.
/// </remarks>
internal sealed class SegmentFiles : IDisposable
{
    public const string DirectoryName = "log-segments";
    private const uint Magic = 0x31534C50; // "PLS1"
    private const int HeaderBytes = 16;
    private const long RollBytes = 64L * 1024 * 1024;

    private readonly string _directory;
    private readonly Lock _gate = new();
    private FileStream? _current;
    // Every segment of this run, oldest first; the last one is being written unless closed.
    private readonly List<Segment> _segments = [];
    private byte[] _buffer = new byte[1 << 20];
    private byte[] _readBuffer = new byte[1 << 20];

    private sealed class Segment(string path, long firstSeq)
    {
        public string Path { get; } = path;
        public long FirstSeq { get; } = firstSeq;
        public long LastSeq { get; set; }
        /// <summary>Bytes synced to disk (always at a frame's end).</summary>
        public long Length { get; set; }
        public bool Closed { get; set; }
        public SafeFileHandle? Reader { get; set; }
    }

    /// <summary>Where the loader is: a segment (by its first sequence number) and a byte offset in it.</summary>
    public record struct Cursor(long SegmentFirstSeq, long Offset);

    public SegmentFiles(string dataDirectory)
    {
        _directory = Path.Combine(dataDirectory, DirectoryName);
    }

    /// <summary>
    /// Hands every record of the segment files on disk with a sequence number above
    /// <paramref name="after"/> to <paramref name="handler"/>, file by file in order, stopping in
    /// each file at the first frame that is torn or fails its checksum. Returns how many.
    /// </summary>
    public long RecoverInto(long after, SegmentRecordHandler handler)
    {
        if (!Directory.Exists(_directory))
            return 0;
        long count = 0;
        foreach (var file in Directory.GetFiles(_directory, "*.seg").Order(StringComparer.Ordinal))
        {
            using var h = File.OpenHandle(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            ReadFrames(h, 0, RandomAccess.GetLength(h), int.MaxValue, (seq, packed) =>
            {
                if (seq > after)
                {
                    handler(seq, packed);
                    count++;
                }
            }, out _);
        }
        return count;
    }

    /// <summary>Deletes every segment file (after recovery has loaded them into the store).</summary>
    public void DeleteAll()
    {
        lock (_gate)
        {
            CloseCurrentLocked();
            foreach (var s in _segments)
                s.Reader?.Dispose();
            _segments.Clear();
            if (Directory.Exists(_directory))
            {
                foreach (var file in Directory.GetFiles(_directory, "*.seg"))
                    File.Delete(file);
            }
        }
    }

    /// <summary>Writes one frame with <paramref name="records"/> (sequence numbers set) and syncs it to disk.</summary>
    public void Append(List<LogRecord> records)
    {
        if (records.Count == 0)
            return;
        var length = 0;
        foreach (var r in records)
            length += 12 + r.Packed!.Length;
        var total = HeaderBytes + length;
        if (_buffer.Length < total)
            _buffer = new byte[Math.Max(total, _buffer.Length * 2)];
        var span = _buffer.AsSpan(0, total);
        var p = HeaderBytes;
        foreach (var r in records)
        {
            BinaryPrimitives.WriteInt64LittleEndian(span[p..], r.Seq);
            BinaryPrimitives.WriteInt32LittleEndian(span[(p + 8)..], r.Packed!.Length);
            r.Packed.CopyTo(span[(p + 12)..]);
            p += 12 + r.Packed.Length;
        }
        BinaryPrimitives.WriteUInt32LittleEndian(span, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(span[4..], records.Count);
        BinaryPrimitives.WriteInt32LittleEndian(span[8..], length);
        BinaryPrimitives.WriteUInt32LittleEndian(span[12..], Crc32C(span[HeaderBytes..]));
        // Under the lock, so that a roll or a read never sees a frame half written (a roll from the
        // loader waits for the sync; readers take the lock only to look at lengths).
        lock (_gate)
        {
            if (_current is null || _segments[^1].Length >= RollBytes)
                RollLocked(records[0].Seq);
            try
            {
                _current!.Write(span);
                _current.Flush(flushToDisk: true);
            }
            catch
            {
                // Part or all of the frame may be in the file, unacknowledged: cut it off and close
                // the file there, so that the next frame starts a new file and recovery never
                // loads the failed one (its requests were answered 503).
                try
                {
                    _current!.SetLength(_segments[^1].Length);
                }
                catch (IOException)
                {
                    // A failing disk: the checksum still stops recovery at a torn frame.
                }
                CloseCurrentLocked();
                throw;
            }
            var segment = _segments[^1];
            segment.Length += total;
            segment.LastSeq = records[^1].Seq;
        }
    }

    /// <summary>
    /// Reads whole frames after <paramref name="cursor"/>, up to what is synced, handing their
    /// records to <paramref name="handler"/>; stops after the frame that reaches
    /// <paramref name="maxRecords"/>. Moves to the next segment when a closed one is read to its end.
    /// Returns how many records were read. Called by the loader thread only.
    /// </summary>
    public int ReadNext(ref Cursor cursor, int maxRecords, SegmentRecordHandler handler)
    {
        var read = 0;
        while (read < maxRecords)
        {
            Segment segment;
            long length;
            bool closed, hasNext;
            lock (_gate)
            {
                var from = cursor.SegmentFirstSeq;
                var i = _segments.FindIndex(s => s.FirstSeq >= from);
                if (i < 0)
                    return read;
                segment = _segments[i];
                if (segment.FirstSeq != from)
                    cursor = new Cursor(segment.FirstSeq, 0);
                length = segment.Length;
                closed = segment.Closed;
                hasNext = i + 1 < _segments.Count;
            }
            if (cursor.Offset < length)
            {
                segment.Reader ??= File.OpenHandle(segment.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                read += ReadFrames(segment.Reader, cursor.Offset, length, maxRecords - read, handler, out var end);
                if (end == cursor.Offset)
                    throw new InvalidDataException($"The log segment {segment.Path} has a damaged frame at byte {end}.");
                cursor = cursor with { Offset = end };
                if (cursor.Offset < length)
                    return read; // stopped at maxRecords
            }
            if (!closed || !hasNext)
                return read;
            // A closed segment read to its end: go on with the next one.
            cursor = new Cursor(segment.FirstSeq + 1, 0);
        }
        return read;
    }

    /// <summary>Reads frames from <paramref name="offset"/> to <paramref name="end"/>; stops at a bad frame or once <paramref name="maxRecords"/> are read (at a frame's end).</summary>
    private int ReadFrames(SafeFileHandle h, long offset, long end, int maxRecords, SegmentRecordHandler handler, out long stoppedAt)
    {
        var read = 0;
        Span<byte> header = stackalloc byte[HeaderBytes];
        while (offset + HeaderBytes <= end && read < maxRecords)
        {
            if (RandomAccess.Read(h, header, offset) != HeaderBytes || BinaryPrimitives.ReadUInt32LittleEndian(header) != Magic)
                break;
            var count = BinaryPrimitives.ReadInt32LittleEndian(header[4..]);
            var length = BinaryPrimitives.ReadInt32LittleEndian(header[8..]);
            var crc = BinaryPrimitives.ReadUInt32LittleEndian(header[12..]);
            if (count < 0 || length < 0 || offset + HeaderBytes + length > end)
                break;
            if (_readBuffer.Length < length)
                _readBuffer = new byte[Math.Max(length, _readBuffer.Length * 2)];
            var payload = _readBuffer.AsSpan(0, length);
            if (RandomAccess.Read(h, payload, offset + HeaderBytes) != length || Crc32C(payload) != crc)
                break;
            var p = 0;
            for (var i = 0; i < count; i++)
            {
                var seq = BinaryPrimitives.ReadInt64LittleEndian(payload[p..]);
                var len = BinaryPrimitives.ReadInt32LittleEndian(payload[(p + 8)..]);
                handler(seq, payload.Slice(p + 12, len));
                p += 12 + len;
            }
            read += count;
            offset += HeaderBytes + length;
        }
        stoppedAt = offset;
        return read;
    }

    /// <summary>Closes the current segment so that it can be deleted once loaded (the next append opens a new one).</summary>
    public void Roll()
    {
        lock (_gate)
        {
            CloseCurrentLocked();
        }
    }

    /// <summary>Deletes closed segments whose records are all in the store (up to <paramref name="loaded"/>).</summary>
    public void DeleteLoaded(long loaded)
    {
        lock (_gate)
        {
            for (var i = _segments.Count - 1; i >= 0; i--)
            {
                var s = _segments[i];
                if (s.Closed && s.LastSeq <= loaded)
                {
                    s.Reader?.Dispose();
                    File.Delete(s.Path);
                    _segments.RemoveAt(i);
                }
            }
        }
    }

    private void RollLocked(long firstSeq)
    {
        CloseCurrentLocked();
        Directory.CreateDirectory(_directory);
        var path = PathOf(firstSeq);
        _current = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read | FileShare.Delete, bufferSize: 0);
        _segments.Add(new Segment(path, firstSeq) { LastSeq = firstSeq - 1 });
        // The new file's directory entry must survive a crash too.
        FsyncDirectory();
    }

    private void CloseCurrentLocked()
    {
        if (_current is null)
            return;
        _current.Dispose();
        _current = null;
        var last = _segments[^1];
        last.Closed = true;
        // An empty segment (rolled before anything was written) has nothing to load.
        if (last.Length == 0)
        {
            last.Reader?.Dispose();
            File.Delete(last.Path);
            _segments.RemoveAt(_segments.Count - 1);
        }
    }

    private string PathOf(long firstSeq) => Path.Combine(_directory, firstSeq.ToString("D20", System.Globalization.CultureInfo.InvariantCulture) + ".seg");

    private void FsyncDirectory()
    {
        try
        {
            using var dir = File.OpenHandle(_directory, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, FileOptions.None);
            RandomAccess.FlushToDisk(dir);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            // Platforms that cannot open a directory for syncing (Windows) keep the entry by the file's own sync.
        }
    }

    internal static uint Crc32C(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        var i = 0;
        for (; i + 8 <= data.Length; i += 8)
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data[i..]));
        for (; i < data.Length; i++)
            crc = BitOperations.Crc32C(crc, data[i]);
        return ~crc;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _current?.Dispose();
            _current = null;
            foreach (var s in _segments)
                s.Reader?.Dispose();
        }
    }
}
