using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Pulse.Hosting;

/// <summary>Describes the API key scheme in the OpenAPI document so the reference page can send keys.</summary>
internal sealed class OpenApiSecurity : IOpenApiDocumentTransformer
{
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken ct)
    {
        document.Info.Title = "Pulse management API";
        document.Info.Description = "Every call takes 'Authorization: Bearer <API key>'. Errors are RFC 9457 problem details.";
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes["ApiKey"] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "pk_live_…",
            Description = "An API key created in the admin panel or with 'pulse apikey create'.",
        };
        document.Security ??= [];
        document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("ApiKey", document)] = [] });
        return Task.CompletedTask;
    }
}
