using Microsoft.EntityFrameworkCore;

namespace Pulse.Collect.Storage;

/// <summary>Profiles and the identity graph on PostgreSQL (cluster mode): the same model, PostgreSQL's own migrations.</summary>
internal sealed class PostgresProfilesDbContext(DbContextOptions<PostgresProfilesDbContext> options) : ProfilesDbContext(options)
{
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        base.ConfigureConventions(configurationBuilder);
        configurationBuilder.Properties<string>().HaveConversion<Platform.Storage.NulFreeStringConverter>();
    }
}
