using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Pulse.Platform.Storage;

/// <summary>Lets <c>dotnet ef migrations add … --context PostgresPulseDbContext</c> build the context (no server is contacted).</summary>
internal sealed class DesignTimePostgresFactory : IDesignTimeDbContextFactory<PostgresPulseDbContext>
{
    public PostgresPulseDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresPulseDbContext>().UseNpgsql("Host=localhost;Database=design").Options);
}
