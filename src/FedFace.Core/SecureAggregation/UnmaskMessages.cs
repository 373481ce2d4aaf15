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
/// Stage 3, server → surviving site: which of its neighbours (among those whose shares it holds) sent a
/// masked input and which did not. The two lists are disjoint and together cover those neighbours exactly:
/// the site refuses anything else, so it never reveals both secrets of one neighbour.
/// </summary>
public sealed record UnmaskRequest(long RoundId, string SiteId, IReadOnlyList<string> SurvivingNeighbours, IReadOnlyList<string> DroppedNeighbours)
{
    public byte[] ToBytes() => WireFormat.Start(WireFormat.UnmaskRequest).Int64(RoundId).String(SiteId)
        .Strings(SurvivingNeighbours).Strings(DroppedNeighbours).ToArray();

    public static UnmaskRequest FromBytes(byte[] bytes)
    {
        var reader = new WireReader(bytes, "unmask request");
        reader.Header(WireFormat.UnmaskRequest);
        var message = new UnmaskRequest(RoundId: reader.Int64(), SiteId: reader.String(), SurvivingNeighbours: reader.Strings(),
            DroppedNeighbours: reader.Strings());
        reader.End();
        return message;
    }
}

/// <summary>One share a survivor reveals: whose secret, which kind, and the share (<see cref="SecretShare.ByteLength"/> bytes).</summary>
public sealed record RevealedShare(string OwnerId, ShareKind Kind, byte[] Share);

/// <summary>Stage 3, site → server: a share of b for each surviving neighbour, of s for each dropped one.</summary>
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
