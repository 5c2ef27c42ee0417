using System.Net;
using MaxMind.Db;

namespace Pulse.Collect.Enrichment;

/// <summary>
/// Country of an IP address from a MaxMind-format database (GeoLite2-Country, GeoIP2-City, DB-IP
/// lite …) that the operator provides with <c>Collect:GeoIpDatabase</c>; without one, no country.
/// </summary>
internal sealed class GeoLookup : IDisposable
{
    private readonly Reader? _reader;

    public GeoLookup(string? databasePath)
    {
        if (string.IsNullOrWhiteSpace(databasePath))
            return;
        if (!File.Exists(databasePath))
            throw new FileNotFoundException($"Collect:GeoIpDatabase names {databasePath}, which does not exist.");
        try
        {
            _reader = new Reader(databasePath, FileAccessMode.MemoryMapped);
        }
        catch (InvalidDatabaseException e)
        {
            throw new InvalidDataException($"Collect:GeoIpDatabase {databasePath} is not a MaxMind-format database: {e.Message}", e);
        }
    }

    public bool Enabled => _reader is not null;

    /// <summary>ISO 3166-1 alpha-2 code, or null when unknown.</summary>
    public string? Country(IPAddress? ip)
    {
        if (_reader is null || ip is null)
            return null;
        try
        {
            var record = _reader.Find<Dictionary<string, object>>(ip);
            if (record is null)
                return null;
            foreach (var key in (string[])["country", "registered_country"])
            {
                if (record.TryGetValue(key, out var c) && c is Dictionary<string, object> country
                    && country.TryGetValue("iso_code", out var iso) && iso is string code)
                    return code;
            }
            return null;
        }
        catch (InvalidDatabaseException)
        {
            return null;
        }
    }

    public void Dispose() => _reader?.Dispose();
}
