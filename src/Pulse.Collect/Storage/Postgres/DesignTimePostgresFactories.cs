using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Pulse.Collect.Storage;

/// <summary>Lets <c>dotnet ef migrations add … --context PostgresCollectDbContext</c> build the context (no server is contacted).</summary>
internal sealed class DesignTimePostgresCollectFactory : IDesignTimeDbContextFactory<PostgresCollectDbContext>
{
    public PostgresCollectDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresCollectDbContext>()
            .UseNpgsql("Host=localhost;Database=design", o => o.MigrationsHistoryTable(CollectDbContext.HistoryTable)).Options);
}

/// <summary>The same for <see cref="PostgresProfilesDbContext"/>.</summary>
internal sealed class DesignTimePostgresProfilesFactory : IDesignTimeDbContextFactory<PostgresProfilesDbContext>
{
    public PostgresProfilesDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresProfilesDbContext>()
            .UseNpgsql("Host=localhost;Database=design", o => o.MigrationsHistoryTable(ProfilesDbContext.HistoryTable)).Options);
}

/// <summary>The same for <see cref="PostgresLogSchema"/>.</summary>
internal sealed class DesignTimePostgresLogSchemaFactory : IDesignTimeDbContextFactory<PostgresLogSchema>
{
    public PostgresLogSchema CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresLogSchema>()
            .UseNpgsql("Host=localhost;Database=design", o => o.MigrationsHistoryTable(PostgresLogSchema.HistoryTable)).Options);
}
