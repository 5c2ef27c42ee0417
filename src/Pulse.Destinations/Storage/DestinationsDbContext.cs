using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Pulse.Destinations.Configs;
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
