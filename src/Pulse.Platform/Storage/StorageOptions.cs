using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace Pulse.Platform.Storage;

/// <summary>Section <c>Storage</c>: where and how Pulse keeps its data.</summary>
public sealed class StorageOptions : IValidatableObject
{
    public const string Section = "Storage";
    public const string EmbeddedMode = "embedded";
    public const string PostgresMode = "postgres";

    /// <summary>
    /// <c>embedded</c>: SQLite and DuckDB files under <see cref="DataDirectory"/>, one server.
    /// <c>postgres</c> (cluster mode): any number of nodes on one PostgreSQL database and one Redis.
    /// </summary>
    [Required]
    public string Mode { get; set; } = EmbeddedMode;

    /// <summary>Embedded mode: everything. Cluster mode: only what belongs to one node (its lock and its local admin token).</summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "Storage:DataDirectory must name a folder.")]
    public string DataDirectory { get; set; } = DefaultDataDirectory;

    /// <summary>Cluster mode: an Npgsql connection string (<c>Host=db;Database=pulse;Username=pulse;Password=…</c>).</summary>
    public string? Postgres { get; set; }

    /// <summary>Cluster mode: a StackExchange.Redis configuration string (<c>redis:6379,password=…</c>).</summary>
    public string? Redis { get; set; }

    public bool IsPostgres => Mode == PostgresMode;

    public const string DefaultDataDirectory = "./pulse-data";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) => Problems();

    /// <summary>What is wrong with the settings, one message per problem (none when they can be used).</summary>
    public IEnumerable<ValidationResult> Problems()
    {
        if (Mode is not (EmbeddedMode or PostgresMode))
        {
            yield return new ValidationResult($"Storage:Mode is '{Mode}'; it must be 'embedded' or 'postgres' (--storage, PULSE_Storage__Mode).", [nameof(Mode)]);
            yield break;
        }
        if (!IsPostgres)
            yield break;
        if (string.IsNullOrWhiteSpace(Postgres))
            yield return new ValidationResult("Storage:Mode is 'postgres' but no PostgreSQL connection string is set (--postgres, PULSE_Storage__Postgres).", [nameof(Postgres)]);
        else
        {
            string? problem = null;
            try
            {
                var b = new Npgsql.NpgsqlConnectionStringBuilder(Postgres);
                if (string.IsNullOrWhiteSpace(b.Host))
                    problem = "it names no Host";
            }
            catch (Exception e) when (e is ArgumentException or FormatException or KeyNotFoundException)
            {
                problem = e.Message.TrimEnd('.');
            }
            if (problem is not null)
                yield return new ValidationResult($"Storage:Postgres is not a usable PostgreSQL connection string: {problem}.", [nameof(Postgres)]);
        }
        if (string.IsNullOrWhiteSpace(Redis))
            yield return new ValidationResult("Storage:Mode is 'postgres' but no Redis server is set (--redis, PULSE_Storage__Redis).", [nameof(Redis)]);
        else
        {
            string? problem = null;
            try
            {
                if (StackExchange.Redis.ConfigurationOptions.Parse(Redis).EndPoints.Count == 0)
                    problem = "it names no server";
            }
            catch (Exception e) when (e is ArgumentException or FormatException)
            {
                problem = e.Message.TrimEnd('.');
            }
            if (problem is not null)
                yield return new ValidationResult($"Storage:Redis is not a usable Redis configuration: {problem}.", [nameof(Redis)]);
        }
    }

    /// <summary>The storage settings that configuration holds; throws <see cref="StorageConfigurationException"/> naming every problem.</summary>
    public static StorageOptions From(IConfiguration config)
    {
        var options = new StorageOptions();
        config.GetSection(Section).Bind(options);
        var problems = options.Problems().Select(p => p.ErrorMessage).ToList();
        if (problems.Count > 0)
            throw new StorageConfigurationException(string.Join(" ", problems));
        return options;
    }
}

/// <summary>Storage settings that cannot be used; the message names each problem and the setting to change.</summary>
public sealed class StorageConfigurationException(string message) : Exception(message);
