using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Pulse.Platform.Tests.Contract;

/// <summary>
/// The management API's OpenAPI document is reviewed like code: it is kept in
/// <c>docs/openapi.v1.json</c>, and a change to the API that is not reflected there fails here.
/// To accept a reviewed change, run the tests with PULSE_ACCEPT_CONTRACT=1 and commit the file.
/// </summary>
public sealed class OpenApiContractTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task OpenApiDocument_MatchesTheReviewedContract()
    {
        var live = Normalise(await fixture.Server.Client.GetStringAsync("/openapi/v1.json"));
        var path = ContractPath();
        if (Environment.GetEnvironmentVariable("PULSE_ACCEPT_CONTRACT") == "1")
            await File.WriteAllTextAsync(path, live);
        Assert.True(File.Exists(path), $"{path} is missing; run with PULSE_ACCEPT_CONTRACT=1 to write it.");
        var reviewed = Normalise(await File.ReadAllTextAsync(path));
        if (reviewed != live)
        {
            var proposed = Path.Combine(Path.GetDirectoryName(path)!, "..", "artifacts", "openapi.v1.proposed.json");
            Directory.CreateDirectory(Path.GetDirectoryName(proposed)!);
            await File.WriteAllTextAsync(proposed, live);
            Assert.Fail($"The API differs from docs/openapi.v1.json. Review {Path.GetFullPath(proposed)}; if it is intended, run with PULSE_ACCEPT_CONTRACT=1 and commit.");
        }
    }

    private static string Normalise(string json)
    {
        var node = JsonNode.Parse(json)!;
        // The server's own address is not part of the contract.
        node.AsObject().Remove("servers");
        return node.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";
    }

    private static string ContractPath([CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", "..", "docs", "openapi.v1.json"));
}
