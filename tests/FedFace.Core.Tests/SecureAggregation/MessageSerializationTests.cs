using FedFace.Core.SecureAggregation;

namespace FedFace.Core.Tests.SecureAggregation;

public class MessageSerializationTests
{
    private static byte[] Bytes(int length, byte fill) => Enumerable.Repeat(fill, length).ToArray();

    private static KeyAdvertisement Advertisement(string site) =>
        new(12, Bytes(32, 1), site, Bytes(32, 2), Bytes(32, 3), Bytes(32, 4), Bytes(64, 5));

    private static void AssertSameAdvertisement(KeyAdvertisement expected, KeyAdvertisement actual)
    {
        Assert.Equal((expected.RoundId, expected.SiteId), (actual.RoundId, actual.SiteId));
        Assert.Equal(expected.SignedBytes(), actual.SignedBytes());
        Assert.Equal(expected.Signature, actual.Signature);
    }

    [Fact]
    public void Every_message_round_trips_through_its_bytes()
    {
        KeyAdvertisement advertisement = Advertisement("site-ü");
        AssertSameAdvertisement(advertisement, KeyAdvertisement.FromBytes(advertisement.ToBytes()));

        var shareKeys = ShareKeysRequest.FromBytes(new ShareKeysRequest(12, "a", [Advertisement("b"), Advertisement("c")]).ToBytes());
        Assert.Equal(["b", "c"], shareKeys.Neighbours.Select(n => n.SiteId));
        AssertSameAdvertisement(Advertisement("c"), shareKeys.Neighbours[1]);

        var share = new EncryptedShare("a", "b", Bytes(12, 7), Bytes(96, 8));
        EncryptedShares shares = EncryptedShares.FromBytes(new EncryptedShares(12, "a", [share, share with { RecipientId = "c" }]).ToBytes());
        Assert.Equal((12L, "a"), (shares.RoundId, shares.SenderId));
        Assert.Equal(["b", "c"], shares.Shares.Select(s => s.RecipientId));
        Assert.Equal(share.Ciphertext, shares.Shares[0].Ciphertext);
        Assert.Equal(share.Nonce, MaskedInputRequest.FromBytes(new MaskedInputRequest(12, "b", [share]).ToBytes()).Shares[0].Nonce);

        var masked = MaskedInput.FromBytes(new MaskedInput(12, "a", [0u, 1u, uint.MaxValue], Bytes(64, 9)).ToBytes());
        Assert.Equal([0u, 1u, uint.MaxValue], masked.Values);
        Assert.Equal(Bytes(64, 9), masked.Signature);

        ConsistencyCheckRequest check = ConsistencyCheckRequest.FromBytes(new ConsistencyCheckRequest(12, "a", ["a", "b", "c"]).ToBytes());
        Assert.Equal((12L, "a"), (check.RoundId, check.SiteId));
        Assert.Equal(["a", "b", "c"], check.Survivors);
        SurvivorSetSignature signature = SurvivorSetSignature.FromBytes(new SurvivorSetSignature(12, "b", Bytes(64, 3)).ToBytes());
        Assert.Equal((12L, "b"), (signature.RoundId, signature.SiteId));
        Assert.Equal(Bytes(64, 3), signature.Signature);

        UnmaskRequest request = UnmaskRequest.FromBytes(new UnmaskRequest(12, "a", ["a", "b", "c"], [signature, signature with { SiteId = "c" }]).ToBytes());
        Assert.Equal(["a", "b", "c"], request.Survivors);
        Assert.Equal(["b", "c"], request.Signatures.Select(s => s.SiteId));
        Assert.Equal(Bytes(64, 3), request.Signatures[1].Signature);

        UnmaskShares revealed = UnmaskShares.FromBytes(new UnmaskShares(12, "a",
            [new RevealedShare("b", ShareKind.SelfMaskSeed, Bytes(40, 1)), new RevealedShare("d", ShareKind.MaskKey, Bytes(40, 2))]).ToBytes());
        Assert.Equal([ShareKind.SelfMaskSeed, ShareKind.MaskKey], revealed.Shares.Select(s => s.Kind));
        Assert.Equal(Bytes(40, 2), revealed.Shares[1].Share);
    }

    [Fact]
    public void Truncated_padded_or_mistyped_bytes_are_refused()
    {
        byte[] bytes = new MaskedInput(12, "a", [1u, 2u], Bytes(64, 9)).ToBytes();
        Assert.Throws<FormatException>(() => MaskedInput.FromBytes(bytes[..^1]));
        Assert.Throws<FormatException>(() => MaskedInput.FromBytes([.. bytes, 0]));
        Assert.Throws<FormatException>(() => UnmaskShares.FromBytes(bytes));
        byte[] hugeCount = new UnmaskRequest(1, "a", [], []).ToBytes();
        hugeCount[^8] = 0xFF; // the survivors' count becomes enormous: refused before allocating
        Assert.Throws<FormatException>(() => UnmaskRequest.FromBytes(hugeCount));
    }
}
