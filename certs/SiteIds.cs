using System.Globalization;
using System.Text.RegularExpressions;

namespace FedFace.Certs;

/// <summary>Site ids become file names, a CN and a URI, so they are kept to a DNS-label-like shape.</summary>
public static partial class SiteIds
{
    [GeneratedRegex("^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")]
    private static partial Regex Shape();

    public static string Validate(string siteId)
    {
        ArgumentNullException.ThrowIfNull(siteId);
        if (!Shape().IsMatch(siteId))
            throw new ArgumentException(
                $"Site id '{siteId}' is not valid: use 1-63 lower-case letters, digits and inner hyphens (like 'site-01').",
                nameof(siteId));
        return siteId;
    }

    /// <summary>prefix-01, prefix-02, …; always at least two digits (not padded to the count) so an id
    /// stays the same when a later run asks for more sites.</summary>
    public static IReadOnlyList<string> Numbered(string prefix, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return [.. Enumerable.Range(1, count).Select(i => Validate(string.Create(CultureInfo.InvariantCulture, $"{prefix}-{i:D2}")))];
    }

    public static Uri Uri(string siteId) => new($"fedface://site/{Validate(siteId)}");
}
