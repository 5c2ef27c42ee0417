using System.ComponentModel.DataAnnotations;

namespace Pulse.Platform.Storage;

/// <summary>Section <c>Storage</c>: where and how Pulse keeps its data.</summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary>embedded (SQLite + files under <see cref="DataDirectory"/>).</summary>
    [Required]
    [RegularExpression("^embedded$", ErrorMessage = "Storage:Mode must be 'embedded' (cluster mode arrives with its own issue).")]
    public string Mode { get; set; } = "embedded";

    [Required(AllowEmptyStrings = false, ErrorMessage = "Storage:DataDirectory must name a folder.")]
    public string DataDirectory { get; set; } = DefaultDataDirectory;

    public const string DefaultDataDirectory = "./pulse-data";
}
