using CsCheck;
using FedFace.Core.SecureAggregation;
using Xunit.Abstractions;

namespace FedFace.Fuzz.Tests;

/// <summary>
/// The secure-aggregation stage messages, as a site or the aggregator receives them from a peer it does not trust:
/// mutated and spliced encodings of every message, each handed to a parser. Each parser accepts or refuses with
/// <see cref="FormatException"/> (bytes that do not parse) or <see cref="ArgumentException"/> (a configuration that is
/// unsafe), both saying what was wrong.
/// </summary>
public sealed class SecureAggregationMessageFuzzTests(ITestOutputHelper output)
{
    private static readonly Func<byte[], object>[] s_parsers =
    [
        RoundConfiguration.FromBytes, KeyAdvertisement.FromBytes, ShareKeysRequest.FromBytes, EncryptedShares.FromBytes,
        MaskedInputRequest.FromBytes, MaskedInput.FromBytes, ConsistencyCheckRequest.FromBytes, SurvivorSetSignature.FromBytes,
        UnmaskRequest.FromBytes, UnmaskShares.FromBytes,
    ];

    [Fact]
    public void Every_stage_message_parser_accepts_or_refuses_mutated_messages_with_a_reason()
    {
        byte[][] messages = Messages();
        // Mostly a message mutated for its own parser (past the type tag, into the fields); a quarter of the time any message, spliced with others.
        Gen<(int Parser, byte[] Bytes)> cases = Gen.Int[0, s_parsers.Length - 1].SelectMany(parser => Gen.Frequency(
            (3, Mutations.Of([messages[parser]])), (1, Mutations.Of(messages))).Select(bytes => (parser, bytes)));

        new FuzzCampaign("secure-aggregation-messages", output) { MaxAllocatedBytes = 4 << 20 }.Run(cases, ciCases: 4000, input =>
        {
            try
            {
                s_parsers[input.Parser](input.Bytes);
                return null;
            }
            catch (Exception e) when (e is FormatException or ArgumentException)
            {
                return e.Message;
            }
        }, input => input.Bytes);
    }

    /// <summary>One honest encoding of every message.</summary>
    private static byte[][] Messages()
    {
        static byte[] Bytes(int length, byte fill) => Enumerable.Repeat(fill, length).ToArray();
        KeyAdvertisement Advertisement(string site) => new(12, Bytes(32, 1), site, Bytes(32, 2), Bytes(32, 3), Bytes(32, 4), Bytes(64, 5));
        var share = new EncryptedShare("a", "b", Bytes(12, 7), Bytes(96, 8));
        var signature = new SurvivorSetSignature(12, "b", Bytes(64, 3));
        return
        [
            RoundConfiguration.Create(12, ["a", "b", "c", "d", "e", "f"], 24, new SecAggSettings { CoordinateBound = 0.5, MaxWeightPerSite = 100, CorruptFraction = 0.2 }).ToBytes(),
            Advertisement("site-ü").ToBytes(),
            new ShareKeysRequest(12, "a", [Advertisement("b"), Advertisement("c")]).ToBytes(),
            new EncryptedShares(12, "a", [share, share with { RecipientId = "c" }]).ToBytes(),
            new MaskedInputRequest(12, "b", [share]).ToBytes(),
            new MaskedInput(12, "a", [0u, 1u, uint.MaxValue], Bytes(64, 9)).ToBytes(),
            new ConsistencyCheckRequest(12, "a", ["a", "b", "c"]).ToBytes(),
            signature.ToBytes(),
            new UnmaskRequest(12, "a", ["a", "b", "c"], [signature, signature with { SiteId = "c" }]).ToBytes(),
            new UnmaskShares(12, "a", [new RevealedShare("b", ShareKind.SelfMaskSeed, Bytes(40, 1)), new RevealedShare("d", ShareKind.MaskKey, Bytes(40, 2))]).ToBytes(),
        ];
    }
}
