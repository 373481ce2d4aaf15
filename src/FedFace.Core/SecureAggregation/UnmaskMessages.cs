namespace FedFace.Core.SecureAggregation;

/// <summary>Which secret of its owner a revealed share belongs to.</summary>
public enum ShareKind : byte
{
    /// <summary>The self-mask seed b: revealed for neighbours whose masked input arrived.</summary>
    SelfMaskSeed = 1,

    /// <summary>The X25519 mask key s: revealed for neighbours that shared keys but sent no masked input.</summary>
    MaskKey = 2,
}

/// <summary>
/// Stage 4, server → each site that signed the survivor set: that set again and the signatures of at least
/// <see cref="RoundConfiguration.SignatureQuorum"/> survivors on it. The site refuses unless the set is the one it signed
/// and the signatures verify; it then reveals, for each neighbour whose shares it holds, the self-mask share if the
/// neighbour is in the set and the mask-key share if not — so every site classifies every neighbour by the same set.
/// </summary>
public sealed record UnmaskRequest(long RoundId, string SiteId, IReadOnlyList<string> Survivors, IReadOnlyList<SurvivorSetSignature> Signatures)
{
    public byte[] ToBytes()
    {
        WireWriter writer = WireFormat.Start(WireFormat.UnmaskRequest).Int64(RoundId).String(SiteId).Strings(Survivors).Int32(Signatures.Count);
        foreach (SurvivorSetSignature signature in Signatures) signature.Write(writer);
        return writer.ToArray();
    }

    public static UnmaskRequest FromBytes(byte[] bytes)
    {
        var reader = new WireReader(bytes, "unmask request");
        reader.Header(WireFormat.UnmaskRequest);
        long roundId = reader.Int64();
        string siteId = reader.String();
        string[] survivors = reader.Strings();
        var signatures = new SurvivorSetSignature[reader.Count(minimumBytesEach: 16)];
        for (int i = 0; i < signatures.Length; i++) signatures[i] = SurvivorSetSignature.Read(reader);
        reader.End();
        return new UnmaskRequest(roundId, siteId, survivors, signatures);
    }
}

/// <summary>One share a survivor reveals: whose secret, which kind, and the share (<see cref="SecretShare.ByteLength"/> bytes).</summary>
public sealed record RevealedShare(string OwnerId, ShareKind Kind, byte[] Share);

/// <summary>Stage 4, site → server: a share of b for each surviving neighbour, of s for each dropped one.</summary>
public sealed record UnmaskShares(long RoundId, string SiteId, IReadOnlyList<RevealedShare> Shares)
{
    public byte[] ToBytes()
    {
        WireWriter writer = WireFormat.Start(WireFormat.UnmaskShares).Int64(RoundId).String(SiteId).Int32(Shares.Count);
        foreach (RevealedShare share in Shares) writer.String(share.OwnerId).Byte((byte)share.Kind).Bytes(share.Share);
        return writer.ToArray();
    }

    public static UnmaskShares FromBytes(byte[] bytes)
    {
        var reader = new WireReader(bytes, "unmask shares");
        reader.Header(WireFormat.UnmaskShares);
        long roundId = reader.Int64();
        string siteId = reader.String();
        var shares = new RevealedShare[reader.Count(minimumBytesEach: 9)];
        for (int i = 0; i < shares.Length; i++) shares[i] = new RevealedShare(reader.String(), (ShareKind)reader.Byte(), reader.Bytes());
        reader.End();
        return new UnmaskShares(roundId, siteId, shares);
    }
}
