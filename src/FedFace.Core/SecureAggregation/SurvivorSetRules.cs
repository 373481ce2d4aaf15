namespace FedFace.Core.SecureAggregation;

/// <summary>
/// What a site checks before it signs the survivor set U3 and before it reveals shares by it — the active-security
/// consistency check of Bonawitz et al. 2017 (§4), with the quorum and the share-stage rule the sparse graph needs (the
/// README's "Against a lying server" gives the argument). Each method returns why the site refuses, or null.
/// </summary>
internal static class SurvivorSetRules
{
    /// <summary>
    /// Before signing: a well-formed set of sampled sites that holds this site, is large enough for the signature quorum,
    /// and names as survivors no neighbour this site did not mask with. A neighbour whose shares never reached this site
    /// dropped before the masked-input stage (or the server withheld its shares): it cannot have sent a masked input, and
    /// if the server says it did, its share of this site's self mask would be revealed while its pairwise mask is not in
    /// this site's input.
    /// </summary>
    public static string? ProblemBeforeSigning(RoundConfiguration configuration, string siteId, IReadOnlyList<string> survivors,
        IReadOnlyCollection<string> maskedWith)
    {
        string who = $"site '{siteId}' refuses to sign the survivor set of round {configuration.RoundId}";
        var set = survivors.ToHashSet(StringComparer.Ordinal);
        if (set.Count != survivors.Count) return $"{who}: it lists a site twice";
        if (set.FirstOrDefault(s => !configuration.Contains(s)) is string stranger) return $"{who}: site '{stranger}' is not sampled for the round";
        if (!set.Contains(siteId)) return $"{who}: it leaves this site out, yet asks it to sign";
        if (set.Count < configuration.SignatureQuorum)
            return $"{who}: it holds {set.Count} sites, fewer than the {configuration.SignatureQuorum} signatures the check needs";
        string[] withheld = [.. configuration.Graph.NeighboursOf(siteId).Where(n => set.Contains(n) && !maskedWith.Contains(n)).Order(StringComparer.Ordinal)];
        if (withheld.Length > 0)
            return $"{who}: it lists neighbours [{string.Join(", ", withheld)}] as survivors, but their shares never reached this site, so they "
                + "cannot have sent a masked input (a server that withholds shares and then calls their senders survivors learns this site's input)";
        return null;
    }

    /// <summary>
    /// Before revealing: the set in the unmask request is the one this site signed, and at least
    /// <see cref="RoundConfiguration.SignatureQuorum"/> distinct members of it signed that same set. Two sets with a quorum
    /// each would need an honest site to sign both, which it never does.
    /// </summary>
    public static string? ProblemBeforeRevealing(RoundConfiguration configuration, string siteId, IReadOnlySet<string> signedSet,
        UnmaskRequest request, SiteKeyRing siteKeys)
    {
        string who = $"site '{siteId}' refuses to reveal shares in round {configuration.RoundId}";
        var asked = request.Survivors.ToHashSet(StringComparer.Ordinal);
        if (asked.Count != request.Survivors.Count || !asked.SetEquals(signedSet))
            return $"{who}: the unmask request's survivor set is not the one this site signed (added [{string.Join(", ", asked.Except(signedSet).Order(StringComparer.Ordinal))}], "
                + $"removed [{string.Join(", ", signedSet.Except(asked).Order(StringComparer.Ordinal))}]): the server shows sites different survivor sets";
        var signers = new HashSet<string>(StringComparer.Ordinal);
        foreach (SurvivorSetSignature signature in request.Signatures)
        {
            if (!signedSet.Contains(signature.SiteId)) return $"{who}: it carries a signature of site '{signature.SiteId}', which is not in the survivor set";
            if (!signers.Add(signature.SiteId)) return $"{who}: it carries two signatures of site '{signature.SiteId}'";
            if (signature.Problem(configuration, signedSet, siteKeys) is string problem) return $"{who}: {problem}";
        }
        return signers.Count >= configuration.SignatureQuorum
            ? null
            : $"{who}: only {signers.Count} survivors signed the survivor set, fewer than the quorum of {configuration.SignatureQuorum}";
    }
}
