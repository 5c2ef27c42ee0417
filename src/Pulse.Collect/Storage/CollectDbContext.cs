using Microsoft.EntityFrameworkCore;
using Pulse.Collect.Sources;
using Pulse.Platform.Storage;

namespace Pulse.Collect.Storage;

/// <summary>
/// The Collect module's tables in the metadata store (sources, workspace settings). It shares the
/// connection of the Platform's context in a scope, so a change and its audit entry commit together.
/// </summary>
internal sealed class CollectDbContext(DbContextOptions<CollectDbContext> options) : DbContext(options)
{
    public const string HistoryTable = "__collect_migrations";

    public DbSet<Source> Sources => Set<Source>();
    public DbSet<CollectSettings> Settings => Set<CollectSettings>();

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<UnixMillisecondsConverter>();
    }

    protected override void OnModelCreating(ModelBuilder b)
    {
        b.Entity<Source>(e =>
        {
            e.ToTable("collect_sources");
            e.HasKey(s => s.Id);
            e.HasIndex(s => s.WriteKey).IsUnique();
            e.HasIndex(s => new { s.WorkspaceId, s.Name }).IsUnique();
            e.Property(s => s.Name).HasMaxLength(100);
            e.Property(s => s.WriteKey).HasMaxLength(64);
            e.Property(s => s.AllowedOrigins).HasMaxLength(4000);
            e.Property(s => s.CreatedBy).HasMaxLength(300);
        });
        b.Entity<CollectSettings>(e =>
        {
            e.ToTable("collect_settings");
            e.HasKey(s => s.WorkspaceId);
            e.Property(s => s.IpMode).HasConversion<string>().HasMaxLength(20);
            e.Property(s => s.ConsentDefault).HasConversion<string>().HasMaxLength(10);
            e.Property(s => s.PseudonymKey).HasMaxLength(64);
            e.Property(s => s.AnomalyWebhookUrl).HasMaxLength(2000);
        });
    }
}
