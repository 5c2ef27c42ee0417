namespace Pulse.Web.Tests;

/// <summary>Every browser test shares one <see cref="PanelFixture"/>; the collection runs its classes one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class PanelCollection : ICollectionFixture<PanelFixture>
{
    public const string Name = "panel";
}
