using Microsoft.EntityFrameworkCore;
using Pulse.Collect.Plans;
using Pulse.Collect.Quarantine;
using Pulse.Collect.Sources;
using Pulse.Platform.Storage;

namespace Pulse.Collect.Storage;

/// <summary>
/// The Collect module's tables in the metadata store (sources, workspace settings, tracking plans, quarantine). It shares the
/// connection of the Platform's context in a scope, so a change and its audit entry commit together.
/// </summary>
internal class CollectDbContext : DbContext
{
    public CollectDbContext(DbContextOptions<CollectDbContext> options)
        : base(options)
    {
    }

    protected CollectDbContext(DbContextOptions options)
        : base(options)
    {
    }

    public const string HistoryTable = "__collect_migrations";

    public DbSet<Source> Sources => Set<Source>();
    public DbSet<CollectSettings> Settings => Set<CollectSettings>();
    public DbSet<TrackingPlan> TrackingPlans => Set<TrackingPlan>();
    public DbSet<TrackingPlanVersion> TrackingPlanVersions => Set<TrackingPlanVersion>();
    public DbSet<QuarantinedEvent> Quarantine => Set<QuarantinedEvent>();

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
        });
        b.Entity<TrackingPlan>(e =>
        {
            e.ToTable("collect_tracking_plans");
            e.HasKey(p => p.Id);
            e.HasIndex(p => p.SourceId).IsUnique();
            e.HasIndex(p => p.WorkspaceId);
            e.Property(p => p.Mode).HasConversion<string>().HasMaxLength(10);
            e.Property(p => p.CreatedBy).HasMaxLength(300);
        });
        b.Entity<TrackingPlanVersion>(e =>
        {
            e.ToTable("collect_tracking_plan_versions");
            e.HasKey(v => v.Id);
            e.HasIndex(v => new { v.PlanId, v.Model, v.Revision, v.Addition }).IsUnique();
            e.Ignore(v => v.Version);
            e.Property(v => v.PublishedBy).HasMaxLength(300);
        });
        b.Entity<QuarantinedEvent>(e =>
        {
            e.ToTable("collect_quarantine");
            e.HasKey(q => q.Id);
            e.HasIndex(q => new { q.WorkspaceId, q.Status, q.Id });
            e.HasIndex(q => new { q.SourceId, q.MessageId });
            e.HasIndex(q => new { q.WorkspaceId, q.UserId });
            e.HasIndex(q => new { q.WorkspaceId, q.AnonymousId });
            e.Property(q => q.Kind).HasMaxLength(10);
            e.Property(q => q.Status).HasMaxLength(10);
            e.Property(q => q.Type).HasMaxLength(20);
            e.Property(q => q.PlanVersion).HasMaxLength(32);
        });
    }
}
