using System.ComponentModel.DataAnnotations;

namespace Pulse.Influence.Links;

/// <summary>The <c>Links</c> section of the configuration.</summary>
public sealed class LinksOptions
{
    public const string Section = "Links";

    /// <summary>The public address short links are shown with (<c>https://go.shop.example</c>); the request's own address when empty.</summary>
    public string? BaseUrl { get; set; }

    /// <summary>Hosts that serve links at <c>/{slug}</c> as well as <c>/l/{slug}</c> (a short domain pointed at Pulse).</summary>
    public List<string> Domains { get; set; } = [];

    /// <summary>How long the click-id cookie lasts: the attribution window for clicks (days).</summary>
    [Range(1, 3650)] public int ClickWindowDays { get; set; } = 90;

    /// <summary>Whether a sale's discount code credits its creator even when the buyer came through another creator's link.</summary>
    public bool CodeBeatsClick { get; set; } = true;

    /// <summary>How many clicks may wait in memory for the log before redirects wait for room (never dropped).</summary>
    [Range(1000, 10_000_000)] public int ClickQueue { get; set; } = 200_000;
}
