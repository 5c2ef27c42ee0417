using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Pulse.Platform.Alerts;
using Pulse.Platform.ApiKeys;
using Pulse.Platform.Audit;
using Pulse.Platform.People;
using Pulse.Platform.Workspaces;

namespace Pulse.Platform.Storage;

/// <summary>Metadata of the Platform module: workspaces, people, memberships, API keys, audit trail.</summary>
/// <remarks>
/// This type is the embedded (SQLite) model and owns the SQLite migrations;
/// <see cref="PostgresPulseDbContext"/> derives from it for cluster mode with its own migrations,
/// so one model serves both providers (EF Core's "one context type per provider").
/// </remarks>
public class PulseDbContext : IdentityUserContext<PulseUser, Guid>
{
    public PulseDbContext(DbContextOptions<PulseDbContext> options)
        : base(options)
    {
    }

    protected PulseDbContext(DbContextOptions options)
        : base(options)
    {
    }

    internal DbSet<Workspace> Workspaces => Set<Workspace>();
    internal DbSet<Membership> Memberships => Set<Membership>();
    internal DbSet<ApiKey> ApiKeys => Set<ApiKey>();
    internal DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();
    internal DbSet<Alert> Alerts => Set<Alert>();
    internal DbSet<AlertSettings> AlertSettings => Set<AlertSettings>();

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<UnixMillisecondsConverter>();
        configurationBuilder.Properties<Access.WorkspaceRole>().HaveConversion<string>().HaveMaxLength(16);
        configurationBuilder.Properties<AlertSeverity>().HaveConversion<string>().HaveMaxLength(16);
    }

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);

        builder.Entity<PulseUser>(e => e.Property(u => u.DisplayName).HasMaxLength(200));

        builder.Entity<Workspace>(e =>
        {
            e.ToTable("workspaces");
            e.HasKey(w => w.Id);
            e.Property(w => w.Id).ValueGeneratedNever();
            e.Property(w => w.Name).HasMaxLength(100).UseCollation("NOCASE");
            e.HasIndex(w => w.Name).IsUnique();
        });

        builder.Entity<Membership>(e =>
        {
            e.ToTable("memberships");
            e.HasKey(m => new { m.WorkspaceId, m.UserId });
            e.HasIndex(m => m.UserId);
            e.HasOne<Workspace>().WithMany().HasForeignKey(m => m.WorkspaceId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<PulseUser>().WithMany().HasForeignKey(m => m.UserId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<ApiKey>(e =>
        {
            e.ToTable("api_keys");
            e.HasKey(k => k.Id);
            e.Property(k => k.Id).ValueGeneratedNever();
            e.Property(k => k.Name).HasMaxLength(100);
            e.Property(k => k.Prefix).HasMaxLength(32);
            e.HasIndex(k => k.Prefix).IsUnique();
            e.HasIndex(k => new { k.WorkspaceId, k.Id });
            e.Property(k => k.CreatedBy).HasMaxLength(300);
            e.Property(k => k.RevokedBy).HasMaxLength(300);
            e.HasOne<Workspace>().WithMany().HasForeignKey(k => k.WorkspaceId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<AuditEntry>(e =>
        {
            e.ToTable("audit_entries");
            e.HasKey(a => a.Id);
            e.Property(a => a.Id).ValueGeneratedNever();
            e.HasIndex(a => new { a.WorkspaceId, a.Id });
            e.HasIndex(a => new { a.SubjectUserId, a.Id });
            e.HasIndex(a => new { a.Action, a.Id });
            e.Property(a => a.ActorKind).HasMaxLength(16);
            e.Property(a => a.ActorId).HasMaxLength(300);
            e.Property(a => a.ActorName).HasMaxLength(300);
            e.Property(a => a.Action).HasMaxLength(64);
            e.Property(a => a.TargetType).HasMaxLength(64);
            e.Property(a => a.TargetId).HasMaxLength(300);
            e.Property(a => a.Ip).HasMaxLength(64);
            e.Property(a => a.UserAgent).HasMaxLength(512);
            e.Property(a => a.PrevHash).HasMaxLength(64);
            e.Property(a => a.Hash).HasMaxLength(64);
        });

        builder.Entity<Alert>(e =>
        {
            e.ToTable("alerts");
            e.HasKey(a => a.Id);
            e.Property(a => a.Id).ValueGeneratedNever();
            e.Property(a => a.Kind).HasMaxLength(64);
            e.Property(a => a.Key).HasMaxLength(300);
            e.Property(a => a.Title).HasMaxLength(200);
            e.Property(a => a.Detail).HasMaxLength(2000);
            e.Property(a => a.AcknowledgedBy).HasMaxLength(300);
            e.Property(a => a.LastDelivery).HasMaxLength(300);
            e.HasIndex(a => new { a.WorkspaceId, a.Id });
            // At most one open alert per workspace and key, even if two watchers race.
            e.HasIndex(a => new { a.WorkspaceId, a.Key }).IsUnique().HasFilter("\"ClearedAt\" IS NULL");
            e.HasIndex(a => new { a.Kind, a.ClearedAt });
            e.HasOne<Workspace>().WithMany().HasForeignKey(a => a.WorkspaceId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<AlertSettings>(e =>
        {
            e.ToTable("alert_settings");
            e.HasKey(s => s.WorkspaceId);
            e.Property(s => s.WebhookUrl).HasMaxLength(2000);
            e.Property(s => s.Secret).HasMaxLength(100);
            e.Property(s => s.UpdatedBy).HasMaxLength(300);
            e.HasOne<Workspace>().WithMany().HasForeignKey(s => s.WorkspaceId).OnDelete(DeleteBehavior.Cascade);
        });
    }
}
