namespace FedFace.Core.SecureAggregation;

/// <summary>
/// Stage 3, server → each site whose masked input arrived: the survivor set U3, every site whose masked input arrived.
/// The site checks it against what it saw (see <see cref="SurvivorSetRules"/>) and signs it.
/// </summary>
public sealed record ConsistencyCheckRequest(long RoundId, string SiteId, IReadOnlyList<string> Survivors)
{
    public byte[] ToBytes() => WireFormat.Start(WireFormat.ConsistencyCheckRequest).Int64(RoundId).String(SiteId).Strings(Survivors).ToArray();

    public static ConsistencyCheckRequest FromBytes(byte[] bytes)
    {
        var reader = new WireReader(bytes, "consistency-check request");
        reader.Header(WireFormat.ConsistencyCheckRequest);
        var message = new ConsistencyCheckRequest(RoundId: reader.Int64(), SiteId: reader.String(), Survivors: reader.Strings());
        reader.End();
        return message;
    }
}

/// <summary>
/// Stage 3, site → server (and, forwarded in every <see cref="UnmaskRequest"/>, server → sites): the site's signature
/// with its certificate key over the round, the configuration digest and the survivor set
/// (<see cref="DomainLabels.SurvivorSetSigned"/>). An honest site signs one set per round.
/// </summary>
public sealed record SurvivorSetSignature(long RoundId, string SiteId, byte[] Signature)
{
    /// <summary>Why this signature must be refused as a signature on <paramref name="survivors"/> in the round of
    /// <paramref name="configuration"/> (naming the signer), or null when it verifies.</summary>
    public string? Problem(RoundConfiguration configuration, IEnumerable<string> survivors, SiteKeyRing siteKeys)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(siteKeys);
        if (RoundId != configuration.RoundId) return $"the survivor-set signature of site '{SiteId}' is for round {RoundId}, not round {configuration.RoundId}";
        byte[] signed = DomainLabels.SurvivorSetSigned(RoundId, configuration.Digest, SiteId, survivors);
        return siteKeys.Verify(SiteId, signed, Signature, out string reason)
            ? null
            : $"the signature of site '{SiteId}' is not on this survivor set of round {RoundId} (another set, or forged): {reason}";
    }

    public byte[] ToBytes() => Write(WireFormat.Start(WireFormat.SurvivorSetSignature)).ToArray();

    public static SurvivorSetSignature FromBytes(byte[] bytes)
    {
        var reader = new WireReader(bytes, "survivor-set signature");
        reader.Header(WireFormat.SurvivorSetSignature);
        SurvivorSetSignature message = Read(reader);
        reader.End();
        return message;
    }

    internal WireWriter Write(WireWriter writer) => writer.Int64(RoundId).String(SiteId).Bytes(Signature);

    internal static SurvivorSetSignature Read(WireReader reader) => new(RoundId: reader.Int64(), SiteId: reader.String(), Signature: reader.Bytes());
}
