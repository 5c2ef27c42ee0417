using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Pulse.Platform.Workspaces;

namespace Pulse.Platform.Storage;

/// <summary>
/// The Platform's metadata on PostgreSQL (cluster mode): the same model as <see cref="PulseDbContext"/>
/// with PostgreSQL's own migrations, a case-insensitive collation where SQLite used NOCASE, and the
/// keys that sign cookies and account tokens, which every node must share.
/// </summary>
internal sealed class PostgresPulseDbContext(DbContextOptions<PostgresPulseDbContext> options)
    : PulseDbContext(options), IDataProtectionKeyContext
{
    /// <summary>ICU collation that compares text without regard to letter case ("und-u-ks-level2"), as NOCASE does in SQLite.</summary>
    public const string CaseInsensitive = "pulse_case_insensitive";

    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        base.ConfigureConventions(configurationBuilder);
        configurationBuilder.Properties<string>().HaveConversion<NulFreeStringConverter>();
    }

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.HasCollation(CaseInsensitive, locale: "und-u-ks-level2", provider: "icu", deterministic: false);
        builder.Entity<Workspace>().Property(w => w.Name).UseCollation(CaseInsensitive);
        builder.Entity<DataProtectionKey>(e => e.ToTable("data_protection_keys"));
    }
}
