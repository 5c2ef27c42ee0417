using System.Text.Json.Serialization;
using Pulse.Platform.ApiKeys;
using Pulse.Platform.Audit;
using Pulse.Platform.Paging;
using Pulse.Platform.People;
using Pulse.Platform.Workspaces;

namespace Pulse.Platform.Http;

[JsonSourceGenerationOptions(
    System.Text.Json.JsonSerializerDefaults.Web,
    UseStringEnumConverter = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(WorkspaceDto))]
[JsonSerializable(typeof(RenameWorkspaceRequest))]
[JsonSerializable(typeof(MemberDto))]
[JsonSerializable(typeof(Page<MemberDto>))]
[JsonSerializable(typeof(AddedMember))]
[JsonSerializable(typeof(AddMemberRequest))]
[JsonSerializable(typeof(ChangeRoleRequest))]
[JsonSerializable(typeof(ApiKeyDto))]
[JsonSerializable(typeof(Page<ApiKeyDto>))]
[JsonSerializable(typeof(CreatedApiKey))]
[JsonSerializable(typeof(CreateApiKeyRequest))]
[JsonSerializable(typeof(AuditEntryDto))]
[JsonSerializable(typeof(Page<AuditEntryDto>))]
internal sealed partial class PlatformJsonContext : JsonSerializerContext;
