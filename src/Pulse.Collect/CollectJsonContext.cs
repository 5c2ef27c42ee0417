using System.Text.Json.Serialization;
using Pulse.Collect.Ingest;
using Pulse.Collect.Log;
using Pulse.Collect.Sources;
using Pulse.Platform.Paging;

namespace Pulse.Collect;

[JsonSourceGenerationOptions(
    System.Text.Json.JsonSerializerDefaults.Web,
    UseStringEnumConverter = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(SourceDto))]
[JsonSerializable(typeof(Page<SourceDto>))]
[JsonSerializable(typeof(CreateSourceRequest))]
[JsonSerializable(typeof(UpdateSourceRequest))]
[JsonSerializable(typeof(Rejection))]
[JsonSerializable(typeof(IReadOnlyList<Rejection>))]
[JsonSerializable(typeof(EventEnrichment))]
[JsonSerializable(typeof(Events.EventDto))]
[JsonSerializable(typeof(Page<Events.EventDto>))]
[JsonSerializable(typeof(Events.LiveBatch))]
[JsonSerializable(typeof(IReadOnlyList<Profiles.Live.LiveVisitorDto>))]
[JsonSerializable(typeof(Profiles.Live.ActivityDto))]
[JsonSerializable(typeof(Profiles.Live.ProfileNowDto))]
[JsonSerializable(typeof(CollectSettingsDto))]
[JsonSerializable(typeof(UpdateCollectSettingsRequest))]
[JsonSerializable(typeof(Profiles.ProfileDto))]
[JsonSerializable(typeof(Page<Profiles.ProfileSummaryDto>))]
[JsonSerializable(typeof(Profiles.MergeDto))]
[JsonSerializable(typeof(Profiles.MergeProfilesRequest))]
[JsonSerializable(typeof(Profiles.ConsentRequest))]
[JsonSerializable(typeof(Profiles.ErasureDto))]
[JsonSerializable(typeof(Page<Profiles.ErasureDto>))]
[JsonSerializable(typeof(List<string[]>))]
[JsonSerializable(typeof(Dictionary<string, bool>))]
[JsonSerializable(typeof(Dictionary<string, long>))]
[JsonSerializable(typeof(Plans.PlanDefinitions))]
[JsonSerializable(typeof(Plans.UpdatePlanRequest))]
[JsonSerializable(typeof(Plans.PublishVersionRequest))]
[JsonSerializable(typeof(Plans.TrackingPlanDto))]
[JsonSerializable(typeof(Plans.PlanVersionDto))]
[JsonSerializable(typeof(IReadOnlyList<Plans.PlanVersionSummary>))]
[JsonSerializable(typeof(IReadOnlyList<Plans.PlanViolation>))]
[JsonSerializable(typeof(Plans.ViolationReport))]
[JsonSerializable(typeof(Quarantine.QuarantineDto))]
[JsonSerializable(typeof(Page<Quarantine.QuarantineDto>))]
[JsonSerializable(typeof(IReadOnlyList<Quarantine.QuarantineDto>))]
[JsonSerializable(typeof(Quarantine.ReplayRequest))]
[JsonSerializable(typeof(Quarantine.ReplayResult))]
[JsonSerializable(typeof(IReadOnlyList<SetAsideDto>))]
[JsonSerializable(typeof(SetAsideReplayResult))]
[JsonSerializable(typeof(PruneReport))]
[JsonSerializable(typeof(System.Text.Json.Nodes.JsonObject))]
[JsonSerializable(typeof(System.Text.Json.Nodes.JsonNode))]
public sealed partial class CollectJsonContext : JsonSerializerContext;
