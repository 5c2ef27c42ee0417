using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Pulse.Collect.Storage;

/// <summary>Lets <c>dotnet ef migrations add</c> build the context without starting the host.</summary>
internal sealed class DesignTimeProfilesDbContextFactory : IDesignTimeDbContextFactory<ProfilesDbContext>
{
    public ProfilesDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<ProfilesDbContext>()
            .UseSqlite("Data Source=design.db", o => o.MigrationsHistoryTable(ProfilesDbContext.HistoryTable)).Options);
}
