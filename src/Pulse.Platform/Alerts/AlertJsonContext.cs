using System.Text.Json.Serialization;
using Pulse.Platform.Paging;

namespace Pulse.Platform.Alerts;

[JsonSourceGenerationOptions(
    System.Text.Json.JsonSerializerDefaults.Web,
    UseStringEnumConverter = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(AlertDto))]
[JsonSerializable(typeof(Page<AlertDto>))]
[JsonSerializable(typeof(AlertSettingsDto))]
[JsonSerializable(typeof(UpdateAlertSettingsRequest))]
[JsonSerializable(typeof(AlertWebhookPayload))]
[JsonSerializable(typeof(Dictionary<string, double>))]
internal sealed partial class AlertJsonContext : JsonSerializerContext;
