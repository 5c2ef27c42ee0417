using System.Buffers;
using System.IO.Compression;
using Microsoft.AspNetCore.Http;

namespace Pulse.Collect.Ingest;

/// <summary>Why a request body could not be read.</summary>
internal enum BodyProblem
{
    None,
    TooLarge,
    BadGzip,
    UnsupportedEncoding,
    Empty,
}

/// <summary>A request body read whole into pooled memory (decompressed when gzip), never past a limit.</summary>
internal sealed class IngestBody : IDisposable
{
    private byte[] _buffer;

    private IngestBody(byte[] buffer, int length)
    {
        _buffer = buffer;
        Length = length;
    }

    public int Length { get; }
    public ReadOnlyMemory<byte> Memory => _buffer.AsMemory(0, Length);

    public static async Task<(IngestBody? Body, BodyProblem Problem)> ReadAsync(HttpRequest request, int limit, CancellationToken ct)
    {
        var encoding = request.Headers.ContentEncoding.ToString();
        Stream input = request.Body;
        GZipStream? gzip = null;
        if (encoding.Length > 0)
        {
            if (encoding.Equals("gzip", StringComparison.OrdinalIgnoreCase) || encoding.Equals("x-gzip", StringComparison.OrdinalIgnoreCase))
                input = gzip = new GZipStream(request.Body, CompressionMode.Decompress, leaveOpen: true);
            else if (!encoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
                return (null, BodyProblem.UnsupportedEncoding);
        }
        if (request.ContentLength is { } declared && declared > limit && gzip is null)
            return (null, BodyProblem.TooLarge);

        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(limit + 1L, Math.Max(request.ContentLength ?? 16 * 1024, 4096)));
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (buffer.Length > limit)
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                        return (null, BodyProblem.TooLarge);
                    }
                    var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min(buffer.Length * 2L, limit + 1L));
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }
                int n;
                try
                {
                    n = await input.ReadAsync(buffer.AsMemory(length), ct);
                }
                catch (InvalidDataException)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    return (null, BodyProblem.BadGzip);
                }
                if (n == 0)
                    break;
                length += n;
                if (length > limit)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    return (null, BodyProblem.TooLarge);
                }
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
        finally
        {
            gzip?.Dispose();
        }
        if (length == 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return (null, BodyProblem.Empty);
        }
        return (new IngestBody(buffer, length), BodyProblem.None);
    }

    public void Dispose()
    {
        var b = Interlocked.Exchange(ref _buffer, []);
        if (b.Length > 0)
            ArrayPool<byte>.Shared.Return(b);
    }
}
