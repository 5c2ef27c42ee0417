using CsCheck;
using Pulse.Platform.Access;
using Pulse.Platform.Audit;
using Pulse.Platform.Paging;
using Pulse.Platform.Storage;

namespace Pulse.Platform.Tests.Properties;

/// <summary>Properties over generated inputs for the parsers and the hash chain.</summary>
public sealed class InputPropertyTests
{
    [Fact]
    public void Cursor_RoundTripsEveryKey() =>
        Gen.Long[0, long.MaxValue].Sample(k => Cursor.DecodeLong("audit", Cursor.Encode("audit", k)) == k);

    [Fact]
    public void Cursor_AnyText_IsEitherACursorOrAValidationError() =>
        Gen.String.Sample(text =>
        {
            try
            {
                Cursor.DecodeLong("audit", text);
            }
            catch (ValidationException e)
            {
                Assert.True(e.Errors.ContainsKey("cursor"));
            }
        });

    [Fact]
    public void Names_AnyText_IsEitherAcceptedTrimmedOrAValidationError() =>
        Gen.String.Sample(text =>
        {
            try
            {
                var name = Validate.Name("name", text);
                Assert.Equal(name.Trim(), name);
                Assert.InRange(name.Length, 1, 100);
            }
            catch (ValidationException e)
            {
                Assert.True(e.Errors.ContainsKey("name"));
            }
        });

    [Fact]
    public void Emails_AnyText_IsEitherAnAddressOrAValidationError() =>
        Gen.String.Sample(text =>
        {
            try
            {
                Assert.Contains('@', Validate.Email("email", text));
            }
            catch (ValidationException e)
            {
                Assert.True(e.Errors.ContainsKey("email"));
            }
        });

    [Fact]
    public void BackupEntryNames_ThatAreAccepted_StayDirectlyInsideTheDataDirectory()
    {
        var root = Path.GetFullPath(Path.Combine(Path.GetTempPath(), "pulse-root"));
        var parts = Gen.OneOf(Gen.Const(".."), Gen.Const("."), Gen.Const("/"), Gen.Const("\\"), Gen.Const("pulse.db"), Gen.String[0, 8]);
        parts.Array[1, 5].Select(a => string.Concat(a)).Sample(name =>
        {
            if (!Backups.IsPlainFileName(name))
                return;
            var full = Path.GetFullPath(Path.Combine(root, name));
            Assert.Equal(root, Path.GetDirectoryName(full));
        });
    }

    [Fact]
    public void AuditHash_ChangesWhenAnyRecordedFieldChanges()
    {
        var text = Gen.String[0, 40];
        Gen.Select(Gen.Long[1, 1_000_000], text, text, text, Gen.Long[0, 4_000_000_000_000]).Sample((id, actor, action, after, ms) =>
        {
            var e = Entry(id, actor, action, after, ms);
            var hash = AuditHasher.Compute(e);
            Assert.Equal(hash, AuditHasher.Compute(Entry(id, actor, action, after, ms)));
            Assert.NotEqual(hash, AuditHasher.Compute(Entry(id + 1, actor, action, after, ms)));
            Assert.NotEqual(hash, AuditHasher.Compute(Entry(id, actor + "x", action, after, ms)));
            Assert.NotEqual(hash, AuditHasher.Compute(Entry(id, actor, action, after + "x", ms)));
            Assert.NotEqual(hash, AuditHasher.Compute(Entry(id, actor, action, after, ms + 1)));
            // Moving a character between neighbouring fields is a change too.
            if (action.Length > 0)
                Assert.NotEqual(hash, AuditHasher.Compute(Entry(id, actor + action[0], action[1..], after, ms)));
        });
    }

    private static AuditEntry Entry(long id, string actor, string action, string after, long ms) => new()
    {
        Id = id,
        ActorKind = "user",
        ActorId = "1",
        ActorName = actor,
        Action = action,
        After = after,
        OccurredAt = DateTimeOffset.FromUnixTimeMilliseconds(ms),
        PrevHash = AuditHasher.Genesis,
        Hash = "",
    };
}
