using Microsoft.EntityFrameworkCore;
using Pulse.Collect.Profiles;
using Pulse.Platform.Storage;

namespace Pulse.Collect.Storage;

/// <summary>
/// The identity graph and profiles in the metadata store: written by the profile builder (a log
/// consumer) and by admins' merges, consent changes and erasures.
/// </summary>
internal class ProfilesDbContext : DbContext
{
    public ProfilesDbContext(DbContextOptions<ProfilesDbContext> options)
        : base(options)
    {
    }

    protected ProfilesDbContext(DbContextOptions options)
        : base(options)
    {
    }

    public const string HistoryTable = "__profiles_migrations";

    public DbSet<Profile> Profiles => Set<Profile>();
    public DbSet<ProfileIdentity> Identities => Set<ProfileIdentity>();
    public DbSet<ProfileMerge> Merges => Set<ProfileMerge>();
    public DbSet<ErasureRecord> Erasures => Set<ErasureRecord>();
    public DbSet<ConsumerProgress> Progress => Set<ConsumerProgress>();

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<UnixMillisecondsConverter>();
    }

    protected override void OnModelCreating(ModelBuilder b)
    {
        b.Entity<Profile>(e =>
        {
            e.ToTable("profiles");
            e.HasKey(p => p.Id);
            e.HasIndex(p => new { p.WorkspaceId, p.LastSeen });
            e.HasIndex(p => p.MergedInto);
            e.Property(p => p.UserId).HasMaxLength(1000);
            e.Property(p => p.Consent).HasMaxLength(8000);
        });
        b.Entity<ProfileIdentity>(e =>
        {
            e.ToTable("profile_identities");
            e.HasKey(i => new { i.WorkspaceId, i.Kind, i.Value });
            e.Property(i => i.Kind).HasMaxLength(20);
            e.Property(i => i.Value).HasMaxLength(1000);
            e.HasIndex(i => i.ProfileId);
        });
        b.Entity<ProfileMerge>(e =>
        {
            e.ToTable("profile_merges");
            e.HasKey(m => m.Id);
            e.HasIndex(m => m.FromProfileId);
            e.HasIndex(m => m.IntoProfileId);
            e.Property(m => m.Reason).HasMaxLength(20);
            e.Property(m => m.MessageId).HasMaxLength(1000);
            e.Property(m => m.Actor).HasMaxLength(300);
            e.Property(m => m.UndoneBy).HasMaxLength(300);
        });
        b.Entity<ErasureRecord>(e =>
        {
            e.ToTable("profile_erasures");
            e.HasKey(r => r.Id);
            e.HasIndex(r => new { r.WorkspaceId, r.At });
            e.Property(r => r.ActorKind).HasMaxLength(20);
            e.Property(r => r.ActorName).HasMaxLength(300);
        });
        b.Entity<ConsumerProgress>(e =>
        {
            e.ToTable("profile_consumer_progress");
            e.HasKey(p => p.Consumer);
            e.Property(p => p.Consumer).HasMaxLength(100);
        });
    }
}
