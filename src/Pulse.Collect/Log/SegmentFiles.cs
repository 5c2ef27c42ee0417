using System.Buffers.Binary;
using System.Numerics;

namespace Pulse.Collect.Log;

/// <summary>
/// The log's write-ahead segments: append-only files in <c>log-segments/</c> beside the DuckDB
/// file, where the writer puts each group commit as one checksummed frame and syncs it to disk
/// before the group's requests are answered. The loader then moves the records into DuckDB in
/// large transactions; a segment is deleted once everything in it is there. After a crash, the
/// frames of segments that are still present are read back and loaded (a torn last frame, never
/// acknowledged, fails its checksum and is dropped).
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
    private long _currentFirstSeq;
    private long _currentLastSeq;
    private readonly List<(string Path, long LastSeq)> _closed = [];
    private byte[] _buffer = new byte[1 << 20];

    public SegmentFiles(string dataDirectory)
    {
        _directory = Path.Combine(dataDirectory, DirectoryName);
    }

    /// <summary>Every record of the segments left on disk with a sequence number above <paramref name="after"/>, in order.</summary>
    public List<(long Seq, byte[] Packed)> Recover(long after)
    {
        var records = new List<(long, byte[])>();
        if (!Directory.Exists(_directory))
            return records;
        foreach (var file in Directory.GetFiles(_directory, "*.seg").Order(StringComparer.Ordinal))
        {
            var bytes = File.ReadAllBytes(file);
            var offset = 0;
            while (offset + HeaderBytes <= bytes.Length)
            {
                var span = bytes.AsSpan(offset);
                if (BinaryPrimitives.ReadUInt32LittleEndian(span) != Magic)
                    break;
                var count = BinaryPrimitives.ReadInt32LittleEndian(span[4..]);
                var length = BinaryPrimitives.ReadInt32LittleEndian(span[8..]);
                var crc = BinaryPrimitives.ReadUInt32LittleEndian(span[12..]);
                if (count < 0 || length < 0 || offset + HeaderBytes + length > bytes.Length)
                    break;
                var payload = span.Slice(HeaderBytes, length);
                if (Crc32C(payload) != crc)
                    break;
                var p = 0;
                for (var i = 0; i < count; i++)
                {
                    var seq = BinaryPrimitives.ReadInt64LittleEndian(payload[p..]);
                    var len = BinaryPrimitives.ReadInt32LittleEndian(payload[(p + 8)..]);
                    if (seq > after)
                        records.Add((seq, payload.Slice(p + 12, len).ToArray()));
                    p += 12 + len;
                }
                offset += HeaderBytes + length;
            }
        }
        records.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        return records;
    }

    /// <summary>Deletes every segment file (after recovery has loaded them into the store).</summary>
    public void DeleteAll()
    {
        lock (_gate)
        {
            _current?.Dispose();
            _current = null;
            _closed.Clear();
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
        lock (_gate)
        {
            if (_current is null || _current.Length >= RollBytes)
                RollLocked(records[0].Seq);
            _current!.Write(span);
            _current.Flush(flushToDisk: true);
            _currentLastSeq = records[^1].Seq;
        }
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
            for (var i = _closed.Count - 1; i >= 0; i--)
            {
                if (_closed[i].LastSeq <= loaded)
                {
                    File.Delete(_closed[i].Path);
                    _closed.RemoveAt(i);
                }
            }
        }
    }

    private void RollLocked(long firstSeq)
    {
        CloseCurrentLocked();
        Directory.CreateDirectory(_directory);
        _currentFirstSeq = firstSeq;
        _current = new FileStream(PathOf(firstSeq), FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 0);
        // The new file's directory entry must survive a crash too.
        FsyncDirectory();
    }

    private void CloseCurrentLocked()
    {
        if (_current is null)
            return;
        _current.Dispose();
        _closed.Add((PathOf(_currentFirstSeq), _currentLastSeq));
        _current = null;
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
        }
    }
}
