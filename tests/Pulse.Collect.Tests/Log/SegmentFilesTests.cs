using System.Text;
using Pulse.Collect.Log;

namespace Pulse.Collect.Tests.Log;

[Trait("Storage", "embedded")]
public sealed class SegmentFilesTests
{
    private static LogRecord Record(long seq, string text) => new()
    {
        Seq = seq,
        MessageId = "m" + seq,
        Type = "track",
        Enrichment = new EventEnrichment(),
        Raw = Encoding.UTF8.GetBytes(text),
        Packed = Encoding.UTF8.GetBytes(text),
    };

    private static List<(long Seq, string Text)> Recover(SegmentFiles segments, long after)
    {
        var records = new List<(long, string)>();
        segments.RecoverInto(after, (seq, packed) => records.Add((seq, Encoding.UTF8.GetString(packed))));
        return records;
    }

    [Fact]
    public void Recover_ReturnsEveryRecordOfCompleteFrames_AfterTheStoredHead()
    {
        var dir = Directory.CreateTempSubdirectory("pulse-seg-").FullName;
        using (var segments = new SegmentFiles(dir))
        {
            segments.Append([Record(1, "a"), Record(2, "bb")]);
            segments.Append([Record(3, "ccc")]);
            segments.Roll();
            segments.Append([Record(4, "dddd")]);
        }
        using var again = new SegmentFiles(dir);
        var all = Recover(again, 0);
        Assert.Equal([1L, 2, 3, 4], all.Select(r => r.Seq));
        Assert.Equal("dddd", all[3].Text);
        Assert.Equal([3L, 4], Recover(again, 2).Select(r => r.Seq));
    }

    [Fact]
    public void Recover_DropsATornOrCorruptLastFrame_WhichWasNeverAcknowledged()
    {
        var dir = Directory.CreateTempSubdirectory("pulse-seg-").FullName;
        using (var segments = new SegmentFiles(dir))
        {
            segments.Append([Record(1, "first")]);
            segments.Append([Record(2, "second, torn by the crash")]);
        }
        var file = Directory.GetFiles(Path.Combine(dir, SegmentFiles.DirectoryName)).Single();
        var bytes = File.ReadAllBytes(file);
        File.WriteAllBytes(file, bytes[..^5]); // the last frame's tail never reached the disk
        using (var torn = new SegmentFiles(dir))
            Assert.Equal([1L], Recover(torn, 0).Select(r => r.Seq));

        bytes[^3] ^= 0xFF; // a flipped byte in the last frame's payload
        File.WriteAllBytes(file, bytes);
        using var corrupt = new SegmentFiles(dir);
        Assert.Equal([1L], Recover(corrupt, 0).Select(r => r.Seq));
    }

    [Fact]
    public void DeleteLoaded_RemovesOnlyClosedSegmentsWhoseRecordsAreAllLoaded()
    {
        var dir = Directory.CreateTempSubdirectory("pulse-seg-").FullName;
        using var segments = new SegmentFiles(dir);
        segments.Append([Record(1, "a"), Record(2, "b")]);
        segments.Roll();
        segments.Append([Record(3, "c")]);
        segments.Roll();
        segments.Append([Record(4, "d")]);
        segments.DeleteLoaded(2);
        Assert.Equal([3L, 4], Recover(segments, 0).Select(r => r.Seq));
        segments.DeleteLoaded(4); // the current (open) segment stays until it is closed
        Assert.Equal([4L], Recover(segments, 0).Select(r => r.Seq));
    }

    [Fact]
    public void ReadNext_FollowsTheWriter_AcrossRolledSegments_AndStopsAtTheLimitOnAFrameEnd()
    {
        var dir = Directory.CreateTempSubdirectory("pulse-seg-").FullName;
        using var segments = new SegmentFiles(dir);
        var cursor = new SegmentFiles.Cursor(0, 0);
        var seen = new List<(long, string)>();
        void Collect(long seq, ReadOnlySpan<byte> packed) => seen.Add((seq, Encoding.UTF8.GetString(packed)));

        Assert.Equal(0, segments.ReadNext(ref cursor, 100, Collect));
        segments.Append([Record(1, "a"), Record(2, "b")]);
        segments.Append([Record(3, "c")]);
        segments.Roll();
        segments.Append([Record(4, "d")]);

        // The limit ends a read only at a frame's end: the first frame's two records come together.
        Assert.Equal(2, segments.ReadNext(ref cursor, 1, Collect));
        Assert.Equal(2, segments.ReadNext(ref cursor, 100, Collect));
        segments.Append([Record(5, "e")]);
        Assert.Equal(1, segments.ReadNext(ref cursor, 100, Collect));
        Assert.Equal(0, segments.ReadNext(ref cursor, 100, Collect));
        Assert.Equal([(1L, "a"), (2L, "b"), (3L, "c"), (4L, "d"), (5L, "e")], seen);
    }
}
