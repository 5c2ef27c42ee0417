using Microsoft.EntityFrameworkCore;

namespace Pulse.Collect.Storage;

/// <summary>The Collect module's metadata on PostgreSQL (cluster mode): the same model, PostgreSQL's own migrations.</summary>
internal sealed class PostgresCollectDbContext(DbContextOptions<PostgresCollectDbContext> options) : CollectDbContext(options)
{
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        base.ConfigureConventions(configurationBuilder);
        configurationBuilder.Properties<string>().HaveConversion<Platform.Storage.NulFreeStringConverter>();
    }
}
