using System.IO.Compression;
using Microsoft.Extensions.DependencyInjection;
using Pulse.Platform.Access;
using Pulse.Platform.Storage;

namespace Pulse.Platform.Tests.Storage;

/// <summary>Backups of an embedded data directory (cluster mode uses PostgreSQL's own tools; the CLI says so).</summary>
[Trait("Storage", "embedded")]
public sealed class BackupTests
{
    [Fact]
    public async Task OnlineBackup_RestoresTheSameData()
    {
        var archive = Path.Combine(Path.GetTempPath(), $"pulse-{Guid.NewGuid():N}.zip");
        var restoreDir = Path.Combine(Path.GetTempPath(), $"pulse-restore-{Guid.NewGuid():N}");
        try
        {
            string wsName;
            await using (var s = await TestServer.StartAsync())
            {
                var ws = await s.CreateWorkspaceAsync();
                wsName = ws.Name;
                await s.CreateKeyAsync(ws.Id, WorkspaceRole.Viewer);
                var manifest = await s.App.Services.GetRequiredService<Backups>().CreateAsync(archive, false, null, default);
                Assert.Contains(manifest.Files, f => f.Name == "pulse.db");
            }
            var backups = new Backups(new DataDirectory(restoreDir), TimeProvider.System);
            await backups.RestoreAsync(archive, force: false, null, default);
            await using var restored = await TestServer.StartAsync(new() { ["Storage:DataDirectory"] = restoreDir });
            var found = await restored.WithScopeAsync<Pulse.Platform.Workspaces.WorkspaceService, Pulse.Platform.Workspaces.WorkspaceDto?>(w => w.FindAsync(wsName, default));
            Assert.NotNull(found);
        }
        finally
        {
            File.Delete(archive);
        }
    }

    [Theory]
    [InlineData("../evil.db")]
    [InlineData("/etc/evil")]
    [InlineData("sub/pulse.db")]
    [InlineData("..")]
    public async Task Restore_RefusesPathTraversal_AndTouchesNothing(string evilName)
    {
        var archive = Path.Combine(Path.GetTempPath(), $"pulse-evil-{Guid.NewGuid():N}.zip");
        var target = Path.Combine(Path.GetTempPath(), $"pulse-target-{Guid.NewGuid():N}");
        try
        {
            await using (var fs = File.Create(archive))
            using (var zip = new ZipArchive(fs, ZipArchiveMode.Create))
            {
                var m = zip.CreateEntry("manifest.json");
                await using (var w = new StreamWriter(await m.OpenAsync()))
                {
                    await w.WriteAsync($$"""{"format":"pulse-backup","version":1,"createdAt":"2026-01-01T00:00:00Z","files":[{"name":"pulse.db","size":1,"sha256":"00"},{"name":{{System.Text.Json.JsonSerializer.Serialize(evilName)}},"size":1,"sha256":"00"}]}""");
                }
                var e = zip.CreateEntry(evilName);
                await using (var w = new StreamWriter(await e.OpenAsync()))
                    await w.WriteAsync("x");
            }
            var backups = new Backups(new DataDirectory(target), TimeProvider.System);
            var ex = await Assert.ThrowsAsync<InvalidDataException>(() => backups.RestoreAsync(archive, force: true, null, default));
            Assert.Contains("outside the data directory", ex.Message);
            Assert.False(Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any());
            Assert.False(File.Exists(Path.Combine(Path.GetTempPath(), "evil.db")));
        }
        finally
        {
            File.Delete(archive);
        }
    }

    [Fact]
    public async Task Backup_RefusesAnArchiveInsideTheDataDirectory()
    {
        await using var s = await TestServer.StartAsync();
        var backups = s.App.Services.GetRequiredService<Backups>();
        var ex = await Assert.ThrowsAsync<IOException>(() => backups.CreateAsync(Path.Combine(s.DataDir, "..", Path.GetFileName(s.DataDir), "b.zip"), false, null, default));
        Assert.Contains("inside the data directory", ex.Message);
    }
}
