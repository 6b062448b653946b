using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Obsess.Hosting;

/// <summary>Names the API and declares how to authenticate: an API key as a Bearer token.</summary>
internal sealed class OpenApiDocumentTransformer : IOpenApiDocumentTransformer
{
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info = new OpenApiInfo
        {
            Title = "Obsess API",
            Version = "v1",
            Description = "REST API of Obsess, the self-hosted customer-obsession platform. Authenticate with an API key: `Authorization: Bearer obs_…` (create one under Settings or with `obsess keys create`). Errors are RFC 9457 Problem Details.",
        };
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes["bearer"] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "An Obsess API key (obs_…).",
        };
        document.Security ??= [];
        document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("bearer", document)] = [] });
        return Task.CompletedTask;
    }
}
