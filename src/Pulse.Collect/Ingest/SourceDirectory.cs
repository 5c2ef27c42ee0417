using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Pulse.Collect.Sources;
using Pulse.Collect.Storage;
using Pulse.Platform.Cluster;

namespace Pulse.Collect.Ingest;

/// <summary>
/// Finds the source of a write key for ingest. Answers are kept for
/// <see cref="CollectOptions.SourceCacheSeconds"/> (unknown keys for one second), so a source
/// disabled by the panel or the CLI stops taking events within that time. A change made anywhere in
/// the cluster is announced under <see cref="Topic"/> and drops the cache at once.
/// </summary>
internal sealed class SourceDirectory
{
    /// <summary>The cache-change topic of sources and their tracking plans.</summary>
    public const string Topic = "collect.sources";
    private const int Capacity = 100_000;
    private readonly ConcurrentDictionary<string, (IngestSource? Source, long Expires)> _cache = new(StringComparer.Ordinal);
    private readonly IServiceScopeFactory scopes;
    private readonly CollectOptions _options;
    private readonly TimeProvider time;

    public SourceDirectory(IServiceScopeFactory scopes, IOptions<CollectOptions> options, TimeProvider time, ICacheSignals signals)
    {
        this.scopes = scopes;
        _options = options.Value;
        this.time = time;
        signals.Subscribe(Topic, Forget);
    }

    public async ValueTask<IngestSource?> FindAsync(string writeKey, CancellationToken ct)
    {
        if (!WriteKeys.LooksValid(writeKey))
            return null;
        var now = time.GetTimestamp();
        if (_cache.TryGetValue(writeKey, out var hit) && hit.Expires > now)
            return hit.Source;
        var found = await LoadAsync(writeKey, ct);
        var ttl = found is null ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(_options.SourceCacheSeconds);
        if (_cache.Count >= Capacity)
            _cache.Clear();
        _cache[writeKey] = (found, now + (long)(ttl.TotalSeconds * time.TimestampFrequency));
        return found;
    }

    /// <summary>Drops every cached answer (after a change announced under <see cref="Topic"/>).</summary>
    public void Forget() => _cache.Clear();

    private async Task<IngestSource?> LoadAsync(string writeKey, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CollectDbContext>();
        var source = await db.Sources.AsNoTracking().FirstOrDefaultAsync(s => s.WriteKey == writeKey, ct);
        if (source is null)
            return null;
        var settings = await SettingsAsync(db, source.WorkspaceId, ct);
        return new IngestSource(
            source.Id, source.WorkspaceId, source.Name, source.Enabled, Origins.Split(source.AllowedOrigins),
            source.MaxEventBytes ?? _options.MaxEventBytes, source.MaxBatchBytes ?? _options.MaxBatchBytes,
            source.RateLimitPerSecond ?? _options.RateLimitPerSecond,
            settings.IpMode, Convert.FromHexString(settings.PseudonymKey), settings.ConsentDefault,
            await Plans.TrackingPlanService.ActiveAsync(db, source.Id, ct));
    }

    /// <summary>The workspace's settings, made with defaults (and a fresh pseudonym key) on first use.</summary>
    internal static async Task<CollectSettings> SettingsAsync(CollectDbContext db, Guid workspaceId, CancellationToken ct)
    {
        var settings = await db.Settings.AsNoTracking().FirstOrDefaultAsync(s => s.WorkspaceId == workspaceId, ct);
        if (settings is not null)
            return settings;
        settings = new CollectSettings { WorkspaceId = workspaceId, PseudonymKey = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)) };
        db.Settings.Add(settings);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (e.InnerException is System.Data.Common.DbException)
        {
            // Made at the same moment by another request: take that one.
            db.ChangeTracker.Clear();
            return await db.Settings.AsNoTracking().FirstAsync(s => s.WorkspaceId == workspaceId, ct);
        }
        db.Entry(settings).State = EntityState.Detached;
        return settings;
    }
}
