using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Pulse.Collect.Storage;

/// <summary>Lets <c>dotnet ef migrations add</c> build the context without starting the host.</summary>
internal sealed class DesignTimeCollectDbContextFactory : IDesignTimeDbContextFactory<CollectDbContext>
{
    public CollectDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<CollectDbContext>()
            .UseSqlite("Data Source=design.db", o => o.MigrationsHistoryTable(CollectDbContext.HistoryTable)).Options);
}
