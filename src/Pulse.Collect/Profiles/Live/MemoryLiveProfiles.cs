using System.Collections.Concurrent;

namespace Pulse.Collect.Profiles.Live;

/// <summary>Embedded mode: the real-time state in this process's memory, swept of visitors older than the horizon once a minute.</summary>
internal sealed class MemoryLiveProfiles(TimeProvider time) : LiveProfiles(time)
{
    private static readonly TimeSpan SweepEvery = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<Guid, ConcurrentDictionary<string, State>> _workspaces = new();
    private long _lastSweep;

    private protected override void Apply(List<VisitorTouch> touches)
    {
        var timeout = (long)SessionTimeout.TotalMilliseconds;
        foreach (var t in touches)
        {
            var state = _workspaces.GetOrAdd(t.WorkspaceId, _ => new(StringComparer.Ordinal)).GetOrAdd(t.Key, _ => new State());
            lock (state)
            {
                if (state.LastSeen == 0 || t.AtMs - state.LastSeen > timeout)
                {
                    state.Session = new LiveSession(DateTimeOffset.FromUnixTimeMilliseconds(t.AtMs), 0, 0, t.Source, t.Medium, t.Campaign, t.Landing, t.Device);
                    state.LastSeen = t.AtMs;
                }
                state.Session = state.Session! with { Events = state.Session.Events + t.Events, Pages = state.Session.Pages + t.Pages };
                state.LastSeen = Math.Max(state.LastSeen, t.AtMs);
            }
        }
        var now = Time.GetTimestamp();
        var last = Interlocked.Read(ref _lastSweep);
        if ((last == 0 || Time.GetElapsedTime(last, now) >= SweepEvery) && Interlocked.CompareExchange(ref _lastSweep, now, last) == last)
            Sweep();
    }

    public override Task<IReadOnlyList<LiveVisitorDto>> GetAsync(Guid workspaceId, IReadOnlyList<string> ids, CancellationToken ct)
    {
        var list = new List<LiveVisitorDto>();
        if (_workspaces.TryGetValue(workspaceId, out var visitors))
        {
            foreach (var id in ids.Distinct(StringComparer.Ordinal))
            {
                if (visitors.TryGetValue(id, out var s) && Dto(id, s) is { } dto)
                    list.Add(dto);
            }
        }
        return Task.FromResult<IReadOnlyList<LiveVisitorDto>>(list);
    }

    public override Task<ActivityDto> ActivityAsync(Guid workspaceId, int recent, CancellationToken ct)
    {
        if (!_workspaces.TryGetValue(workspaceId, out var visitors))
            return Task.FromResult(new ActivityDto(0, 0, 0, []));
        var nowMs = Time.GetUtcNow().ToUnixTimeMilliseconds();
        var all = visitors.Select(v => Dto(v.Key, v.Value)).OfType<LiveVisitorDto>().ToList();
        long Within(TimeSpan span) => all.LongCount(v => nowMs - v.LastSeen.ToUnixTimeMilliseconds() <= (long)span.TotalMilliseconds);
        return Task.FromResult(new ActivityDto(Within(ActiveWindow), Within(TimeSpan.FromMinutes(30)), all.Count,
            all.OrderByDescending(v => v.LastSeen).ThenBy(v => v.Id, StringComparer.Ordinal).Take(recent).ToList()));
    }

    public override Task<long> ForgetAsync(Guid workspaceId, IReadOnlyList<string> ids, CancellationToken ct)
    {
        long removed = 0;
        if (_workspaces.TryGetValue(workspaceId, out var visitors))
        {
            foreach (var id in ids.Distinct(StringComparer.Ordinal))
                removed += visitors.TryRemove(id, out _) ? 1 : 0;
        }
        return Task.FromResult(removed);
    }

    /// <summary>The visitor's state, or null when it was last seen before the horizon.</summary>
    private LiveVisitorDto? Dto(string id, State s)
    {
        long lastSeen;
        LiveSession? session;
        lock (s)
        {
            lastSeen = s.LastSeen;
            session = s.Session;
        }
        if (session is null || Time.GetUtcNow().ToUnixTimeMilliseconds() - lastSeen > (long)Horizon.TotalMilliseconds)
            return null;
        return new LiveVisitorDto(id, DateTimeOffset.FromUnixTimeMilliseconds(lastSeen), IsActive(lastSeen), session);
    }

    private void Sweep()
    {
        var oldest = Time.GetUtcNow().ToUnixTimeMilliseconds() - (long)Horizon.TotalMilliseconds;
        foreach (var (_, visitors) in _workspaces)
        {
            foreach (var (id, s) in visitors)
            {
                bool old;
                lock (s)
                    old = s.LastSeen < oldest;
                if (old)
                    visitors.TryRemove(id, out _);
            }
        }
    }

    private sealed class State
    {
        public long LastSeen;
        public LiveSession? Session;
    }
}
