using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Pulse.Collect.Storage;

namespace Pulse.Collect.Profiles;

internal sealed partial class IdentityGraph
{
    /// <summary>
    /// The builder's reads on SQLite: one prepared single-row statement per id and per profile, bound
    /// again for each, read without EF Core's materializer. In-process, a point look-up on the key
    /// costs a few microseconds, less than a query over a JSON list of 500 values.
    /// </summary>
    private sealed class SqliteReads : IAsyncDisposable
    {
        private const string ProfileColumns =
            "\"Id\", \"WorkspaceId\", \"FirstSeen\", \"LastSeen\", \"EventCount\", \"UserId\", \"Traits\", \"Consent\", \"ConsentAt\", \"OptedOut\", \"OptedOutAt\", \"MergedInto\", \"UpdatedAt\"";

        private readonly DbCommand _identity;
        private readonly DbCommand _profile;

        public SqliteReads(ProfilesDbContext db)
        {
            var connection = db.Database.GetDbConnection();
            var transaction = db.Database.CurrentTransaction?.GetDbTransaction();
            _identity = Prepare(connection, transaction,
                "SELECT \"ProfileId\", \"FirstSeen\" FROM profile_identities WHERE \"WorkspaceId\" = @w AND \"Kind\" = @k AND \"Value\" = @v", "@w", "@k", "@v");
            _profile = Prepare(connection, transaction, $"SELECT {ProfileColumns} FROM profiles WHERE \"Id\" = @id", "@id");
        }

        public ProfileIdentity? Identity(Guid ws, string kind, string value)
        {
            _identity.Parameters[0].Value = ws;
            _identity.Parameters[1].Value = kind;
            _identity.Parameters[2].Value = value;
            using var r = _identity.ExecuteReader();
            if (!r.Read())
                return null;
            return new ProfileIdentity
            {
                WorkspaceId = ws,
                Kind = kind,
                Value = value,
                ProfileId = r.GetGuid(0),
                FirstSeen = DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(1)),
            };
        }

        public Profile? Profile(Guid id)
        {
            _profile.Parameters[0].Value = id;
            using var r = _profile.ExecuteReader();
            if (!r.Read())
                return null;
            return new Profile
            {
                Id = r.GetGuid(0),
                WorkspaceId = r.GetGuid(1),
                FirstSeen = At(r, 2)!.Value,
                LastSeen = At(r, 3)!.Value,
                EventCount = r.GetInt64(4),
                UserId = r.IsDBNull(5) ? null : r.GetString(5),
                Traits = r.GetString(6),
                Consent = r.IsDBNull(7) ? null : r.GetString(7),
                ConsentAt = At(r, 8),
                OptedOut = r.GetBoolean(9),
                OptedOutAt = At(r, 10),
                MergedInto = r.IsDBNull(11) ? null : r.GetGuid(11),
                UpdatedAt = At(r, 12)!.Value,
            };
        }

        public async ValueTask DisposeAsync()
        {
            await _identity.DisposeAsync();
            await _profile.DisposeAsync();
        }

        private static DateTimeOffset? At(DbDataReader r, int i) => r.IsDBNull(i) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(i));

        private static DbCommand Prepare(DbConnection connection, DbTransaction? transaction, string sql, params string[] names)
        {
            var cmd = connection.CreateCommand();
            cmd.Transaction = transaction;
            cmd.CommandText = sql;
            foreach (var name in names)
            {
                var p = cmd.CreateParameter();
                p.ParameterName = name;
                p.Value = DBNull.Value;
                cmd.Parameters.Add(p);
            }
            cmd.Prepare();
            return cmd;
        }
    }
}
