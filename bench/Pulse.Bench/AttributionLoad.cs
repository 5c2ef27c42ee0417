using System.Diagnostics;
using System.Text.Json;
using DuckDB.NET.Data;
using Pulse.Influence.Attribution;

namespace Pulse.Bench;

/// <summary>
/// Attribution at the scale of a year of a busy shop: N people who converted (one conversion each,
/// with a value) and N who did not, their touchpoints (about 8 before a conversion, 2 otherwise:
/// 10 per conversion in all) over ten channels by a Zipf-like rank, up to 30 days before, in an
/// in-memory DuckDB. The baseline is a plain last-click SQL query over the same rows; then the
/// journeys are read (one per person, touches in time order) and credited under all seven models.
/// </summary>
internal static class AttributionLoad
{
    private static readonly string[] Channels = ["instagram", "tiktok", "google / cpc", "organic search", "direct", "email", "youtube", "facebook", "affiliate", "x"];

    public static void Run(int conversions)
    {
        using var c = new DuckDBConnection("DataSource=:memory:");
        c.Open();
        Exec(c, "CREATE TABLE touchpoints (person BIGINT, ts TIMESTAMP, channel VARCHAR); CREATE TABLE conversions (person BIGINT, ts TIMESTAMP, value DOUBLE)");
        var sw = Stopwatch.StartNew();
        var touchpoints = Generate(c, conversions);
        var generated = sw.Elapsed.TotalSeconds;
        Console.Error.WriteLine($"attribution bench: {conversions:N0} conversions, {touchpoints:N0} touchpoints generated in {generated:F1} s");

        sw.Restart();
        var sql = new Dictionary<string, double>(StringComparer.Ordinal);
        using (var cmd = c.CreateCommand())
        {
            cmd.CommandText = """
                SELECT t.channel, count(*), sum(v.value) FROM conversions v
                JOIN (SELECT person, arg_max(channel, ts) AS channel FROM touchpoints GROUP BY person) t USING (person)
                GROUP BY t.channel
                """;
            using var r = cmd.ExecuteReader();
            while (r.Read())
                sql[r.GetString(0)] = r.GetInt64(1);
        }
        var sqlSeconds = sw.Elapsed.TotalSeconds;

        sw.Restart();
        var journeys = new List<Journey>(conversions * 2);
        var names = Channels.ToDictionary(x => x, x => x, StringComparer.Ordinal);
        using (var cmd = c.CreateCommand())
        {
            // Flat rows in person and time order, grouped here: DuckDB's list() per person cost four times as much to read.
            cmd.CommandText = """
                SELECT t.person, t.channel, t.ts, v.ts, v.value
                FROM touchpoints t LEFT JOIN conversions v USING (person) ORDER BY t.person, t.ts
                """;
            using var r = cmd.ExecuteReader();
            var path = new List<string>(64);
            var at = new List<DateTimeOffset>(64);
            long person = -1;
            DateTime? converted = null;
            double value = 0;
            void Flush()
            {
                if (path.Count == 0)
                    return;
                journeys.Add(converted is { } when
                    ? new Journey(path.ToArray(), 1, value, 0, at.ToArray(), new DateTimeOffset(when, TimeSpan.Zero))
                    : new Journey(path.ToArray(), 0, 0, 1));
                path.Clear();
                at.Clear();
            }
            while (r.Read())
            {
                var p = r.GetInt64(0);
                if (p != person)
                {
                    Flush();
                    person = p;
                    converted = r.IsDBNull(3) ? null : r.GetDateTime(3);
                    value = r.IsDBNull(4) ? 0 : r.GetDouble(4);
                }
                path.Add(names[r.GetString(1)]);
                at.Add(new DateTimeOffset(r.GetDateTime(2), TimeSpan.Zero));
            }
            Flush();
        }
        var readSeconds = sw.Elapsed.TotalSeconds;

        var perModel = new Dictionary<string, double>(StringComparer.Ordinal);
        IReadOnlyDictionary<string, Credit>? lastClick = null;
        var total = Stopwatch.StartNew();
        foreach (var model in Enum.GetValues<AttributionModel>())
        {
            sw.Restart();
            var credits = Attributor.Attribute(journeys, [model])[model];
            perModel[AttributionModels.Name(model)] = Math.Round(sw.Elapsed.TotalSeconds, 3);
            if (model == AttributionModel.LastClick)
                lastClick = credits;
        }
        var modelsSeconds = total.Elapsed.TotalSeconds;
        var agrees = lastClick is not null && sql.All(x => lastClick.TryGetValue(x.Key, out var credit) && Math.Abs(credit.Conversions - x.Value) < 1e-6);
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            benchmark = "attribution of conversions over touchpoints, all seven models, beside a plain last-click SQL query over the same rows (DuckDB, in memory)",
            conversions,
            people = journeys.Count,
            touchpoints,
            lastClickSqlSeconds = Math.Round(sqlSeconds, 3),
            readJourneysSeconds = Math.Round(readSeconds, 3),
            allSevenModelsSeconds = Math.Round(modelsSeconds, 3),
            secondsPerModel = perModel,
            lastClickMatchesSql = agrees,
            peakRssMiB = IngestLoad.PeakRss(Process.GetCurrentProcess()) / (1024 * 1024),
        }));
    }

    private static long Generate(DuckDBConnection c, int conversions)
    {
        var rng = new Random(20261204);
        var end = new DateTime(2026, 12, 1, 0, 0, 0, DateTimeKind.Utc);
        long touches = 0;
        using var tx = c.BeginTransaction();
        using (var tp = c.CreateAppender("touchpoints"))
        using (var cv = c.CreateAppender("conversions"))
        {
            var times = new List<DateTime>(64);
            for (long person = 0; person < conversions * 2L; person++)
            {
                var converts = person % 2 == 0;
                // Geometric lengths: mean 8 before a conversion, 2 otherwise.
                var length = 1 + (int)Math.Min(60, Math.Floor(Math.Log(1 - rng.NextDouble()) / Math.Log(converts ? 7.0 / 8 : 1.0 / 2)));
                var at = end.AddSeconds(-rng.Next(365 * 86_400));
                times.Clear();
                for (var t = 0; t < length; t++)
                    times.Add(at.AddSeconds(-rng.Next(30 * 86_400)));
                times.Sort();
                // Distinct times, so that "the last touch" is one touch in SQL and in the journey alike.
                for (var t = 1; t < times.Count; t++)
                {
                    if (times[t] <= times[t - 1])
                        times[t] = times[t - 1].AddSeconds(1);
                }
                foreach (var ts in times)
                {
                    // Zipf-like: rank r drawn with weight 1/r.
                    var channel = Channels[(int)Math.Min(Channels.Length - 1, Math.Floor(Math.Exp(rng.NextDouble() * Math.Log(Channels.Length + 1)) - 1))];
                    tp.CreateRow().AppendValue(person).AppendValue(ts).AppendValue(channel).EndRow();
                    touches++;
                }
                if (converts)
                    cv.CreateRow().AppendValue(person).AppendValue(at).AppendValue(Math.Round(20 + rng.NextDouble() * 280, 2)).EndRow();
            }
        }
        tx.Commit();
        return touches;
    }

    private static void Exec(DuckDBConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }
}
