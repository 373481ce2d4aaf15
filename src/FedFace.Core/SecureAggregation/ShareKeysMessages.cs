namespace FedFace.Core.SecureAggregation;

/// <summary>Stage 1, server → site: the advertisements of the site's neighbours that survived stage 0.
/// The site checks every signature and shares its secrets among exactly these neighbours.</summary>
public sealed record ShareKeysRequest(long RoundId, string SiteId, IReadOnlyList<KeyAdvertisement> Neighbours)
{
    public byte[] ToBytes()
    {
        WireWriter writer = WireFormat.Start(WireFormat.ShareKeysRequest).Int64(RoundId).String(SiteId).Int32(Neighbours.Count);
        foreach (KeyAdvertisement advertisement in Neighbours) advertisement.Write(writer);
        return writer.ToArray();
    }

    public static ShareKeysRequest FromBytes(byte[] bytes)
    {
        var reader = new WireReader(bytes, "share-keys request");
        reader.Header(WireFormat.ShareKeysRequest);
        long roundId = reader.Int64();
        string siteId = reader.String();
        var neighbours = new KeyAdvertisement[reader.Count(minimumBytesEach: 32)];
        for (int i = 0; i < neighbours.Length; i++) neighbours[i] = KeyAdvertisement.Read(reader);
        reader.End();
        return new ShareKeysRequest(roundId, siteId, neighbours);
    }
}

/// <summary>
/// One sender's shares for one recipient: (share of the self-mask seed b, share of the mask key s),
/// encrypted with ChaCha20-Poly1305 under HKDF(X25519(c_sender, c_recipient)); the associated data binds
/// the round, the sender and the recipient (<see cref="ShareCipher"/>). The server routes it unread.
/// </summary>
public sealed record EncryptedShare(string SenderId, string RecipientId, byte[] Nonce, byte[] Ciphertext)
{
    internal WireWriter Write(WireWriter writer) => writer.String(SenderId).String(RecipientId).Bytes(Nonce).Bytes(Ciphertext);

    internal static EncryptedShare Read(WireReader reader) =>
        new(SenderId: reader.String(), RecipientId: reader.String(), Nonce: reader.Bytes(), Ciphertext: reader.Bytes());

    internal static WireWriter WriteAll(WireWriter writer, IReadOnlyList<EncryptedShare> shares)
    {
        writer.Int32(shares.Count);
        foreach (EncryptedShare share in shares) share.Write(writer);
        return writer;
    }

    internal static EncryptedShare[] ReadAll(WireReader reader)
    {
        var shares = new EncryptedShare[reader.Count(minimumBytesEach: 16)];
        for (int i = 0; i < shares.Length; i++) shares[i] = Read(reader);
        return shares;
    }
}

/// <summary>Stage 1, site → server: one encrypted share pair for each neighbour in its <see cref="ShareKeysRequest"/>.</summary>
public sealed record EncryptedShares(long RoundId, string SenderId, IReadOnlyList<EncryptedShare> Shares)
{
    public byte[] ToBytes() => EncryptedShare.WriteAll(WireFormat.Start(WireFormat.EncryptedShares).Int64(RoundId).String(SenderId), Shares).ToArray();

    public static EncryptedShares FromBytes(byte[] bytes)
    {
        var reader = new WireReader(bytes, "encrypted shares");
        reader.Header(WireFormat.EncryptedShares);
        var message = new EncryptedShares(RoundId: reader.Int64(), SenderId: reader.String(), Shares: EncryptedShare.ReadAll(reader));
        reader.End();
        return message;
    }
}
