using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Pulse.Destinations.Configs;
using Pulse.Destinations.Delivery;
using Pulse.Platform.Storage;

namespace Pulse.Destinations.Storage;

/// <summary>
/// The Destinations module's tables in the metadata store. It shares the Platform context's
/// connection in a scope, so a change and its audit entry commit together.
/// </summary>
internal class DestinationsDbContext : DbContext
{
    public const string HistoryTable = "__destinations_migrations";

    public DestinationsDbContext(DbContextOptions<DestinationsDbContext> options)
        : base(options)
    {
    }

    protected DestinationsDbContext(DbContextOptions options)
        : base(options)
    {
    }

    public DbSet<Destination> Destinations => Set<Destination>();
    public DbSet<DestinationCursor> Cursors => Set<DestinationCursor>();
    public DbSet<DeliveryAttempt> Attempts => Set<DeliveryAttempt>();
    public DbSet<DeadLetter> DeadLetters => Set<DeadLetter>();
    public DbSet<LogReplay> Replays => Set<LogReplay>();
    public DbSet<DestinationErasure> Erasures => Set<DestinationErasure>();

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<UnixMillisecondsConverter>();
    }

    protected override void OnModelCreating(ModelBuilder b)
    {
        b.Entity<Destination>(e =>
        {
            e.ToTable("destinations");
            e.HasKey(d => d.Id);
            e.HasIndex(d => new { d.WorkspaceId, d.Name }).IsUnique();
            e.Property(d => d.Type).HasMaxLength(20);
            e.Property(d => d.Name).HasMaxLength(100);
            e.Property(d => d.Config).HasMaxLength(100_000);
            e.Property(d => d.Secrets).HasMaxLength(20_000);
            e.Property(d => d.Sources).HasMaxLength(10_000);
            e.Property(d => d.Events).HasMaxLength(20_000);
            e.Property(d => d.CreatedBy).HasMaxLength(300);
        });
        b.Entity<DestinationCursor>(e =>
        {
            e.ToTable("destination_cursors");
            e.HasKey(c => c.DestinationId);
        });
        b.Entity<DeliveryAttempt>(e =>
        {
            e.ToTable("delivery_attempts");
            e.HasKey(a => a.Id);
            e.HasIndex(a => new { a.DestinationId, a.Id });
            e.HasIndex(a => new { a.DestinationId, a.FirstSeq, a.LastSeq });
            e.HasIndex(a => a.At);
            e.Property(a => a.Kind).HasConversion<string>().HasMaxLength(10);
            e.Property(a => a.Outcome).HasConversion<string>().HasMaxLength(10);
            e.Property(a => a.Response).HasMaxLength(2000);
        });
        b.Entity<DeadLetter>(e =>
        {
            e.ToTable("dead_letters");
            e.HasKey(d => d.Id);
            e.HasIndex(d => new { d.DestinationId, d.Seq }).IsUnique();
            e.HasIndex(d => new { d.DestinationId, d.State, d.Id });
            e.Property(d => d.State).HasConversion<string>().HasMaxLength(12);
            e.Property(d => d.MessageId).HasMaxLength(200);
            e.Property(d => d.UserId).HasMaxLength(200);
            e.Property(d => d.AnonymousId).HasMaxLength(200);
            e.HasIndex(d => new { d.WorkspaceId, d.UserId });
            e.HasIndex(d => new { d.WorkspaceId, d.AnonymousId });
            e.Property(d => d.Event).HasMaxLength(200);
            e.Property(d => d.Reason).HasMaxLength(1000);
            e.Property(d => d.Response).HasMaxLength(2000);
        });
        b.Entity<DestinationErasure>(e =>
        {
            e.ToTable("destination_erasures");
            e.HasKey(x => x.Id);
            e.HasIndex(x => new { x.WorkspaceId, x.Id });
            e.Property(x => x.DestinationName).HasMaxLength(100);
            e.Property(x => x.Type).HasMaxLength(20);
            e.Property(x => x.Outcome).HasMaxLength(12);
            e.Property(x => x.Message).HasMaxLength(1000);
        });
        b.Entity<LogReplay>(e =>
        {
            e.ToTable("log_replays");
            e.HasKey(r => r.Id);
            e.HasIndex(r => new { r.DestinationId, r.State });
            e.Property(r => r.State).HasConversion<string>().HasMaxLength(10);
            e.Property(r => r.RequestedBy).HasMaxLength(300);
        });
    }
}

/// <summary>Cluster mode: the same model on PostgreSQL, with PostgreSQL's own migrations.</summary>
internal sealed class PostgresDestinationsDbContext(DbContextOptions<PostgresDestinationsDbContext> options) : DestinationsDbContext(options)
{
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        base.ConfigureConventions(configurationBuilder);
        configurationBuilder.Properties<string>().HaveConversion<NulFreeStringConverter>();
    }
}

/// <summary>Lets <c>dotnet ef migrations add</c> build the context without starting the host.</summary>
internal sealed class DesignTimeDestinationsFactory : IDesignTimeDbContextFactory<DestinationsDbContext>
{
    public DestinationsDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<DestinationsDbContext>()
            .UseSqlite("Data Source=design.db", o => o.MigrationsHistoryTable(DestinationsDbContext.HistoryTable)).Options);
}

/// <summary>The same for <see cref="PostgresDestinationsDbContext"/> (no server is contacted).</summary>
internal sealed class DesignTimePostgresDestinationsFactory : IDesignTimeDbContextFactory<PostgresDestinationsDbContext>
{
    public PostgresDestinationsDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresDestinationsDbContext>()
            .UseNpgsql("Host=localhost;Database=design", o => o.MigrationsHistoryTable(DestinationsDbContext.HistoryTable)).Options);
}
