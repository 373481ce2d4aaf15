using CsCheck;
using FedFace.Core;
using FedFace.Core.Aggregation;
using FedFace.Core.Security;
using FedFace.Protocol;
using FedFace.Protos.V1;
using FedFace.Transport;
using Google.Protobuf;
using Xunit.Abstractions;

namespace FedFace.Fuzz.Tests;

/// <summary>
/// The bytes a peer sends in bulk: a model download (header, then data chunks, as a site receives them) and an update
/// upload (as the aggregator reads and validates it). Each case is a mutated header and mutated data. A header the
/// protobuf parser refuses never reaches our code (gRPC refuses the message); everything after is ours and must refuse
/// with its documented exception or rejection, saying why.
/// </summary>
public sealed class WireFuzzTests(ITestOutputHelper output)
{
    private const long MaxModelBytes = 1 << 20;
    private const int ChunkBytes = 256;

    private static byte[][] DataSeeds => [.. Seeds.Models.Select(m => TensorWire.DataChunks(m).SelectMany(c => c.ToByteArray()).ToArray())];

    [Fact]
    public void A_mutated_model_download_is_built_only_from_data_matching_its_hash_or_refused_with_a_reason()
    {
        byte[][] headers = [.. Seeds.Models.Select((m, i) => TensorWire.ModelHeaderOf(m, version: i).ToByteArray())];

        new FuzzCampaign("model-download", output) { MaxAllocatedBytes = 8 * MaxModelBytes }.Run(
            Gen.Select(Mutations.Of(headers), Mutations.Of(DataSeeds)), ciCases: 5000, input =>
            {
                (byte[] headerBytes, byte[] data) = input;
                if (Parse(ModelHeader.Parser, headerBytes) is not { } header)
                {
                    return "the protobuf parser refused the header";
                }
                try
                {
                    string what = $"model v{header.ModelVersion}";
                    using var received = new UnverifiedModelData(DeclaredTensor.OfDeclared(header.Tensors, header.DataBytes, MaxModelBytes, what), what);
                    foreach (byte[] chunk in data.Chunk(ChunkBytes))
                    {
                        received.Append(ByteString.CopyFrom(chunk));
                    }
                    received.AssembleIfSigned(header.Sha256.Span);
                    return null;
                }
                catch (InvalidDataException e)
                {
                    return e.Message;
                }
                catch (ModelSignatureException e)
                {
                    return e.Check.Reason;
                }
            }, input => [.. input.Item1, .. input.Item2]);
    }

    [Fact]
    public void A_mutated_update_upload_is_accepted_or_rejected_with_a_reason_before_or_after_its_data()
    {
        ModelState global = Seeds.Model(3);
        byte[][] headers = [.. Seeds.Models.Select(delta => new UpdateChunk
        {
            Header = new UpdateHeader
            {
                ProtocolVersion = 1, Round = 4, BaseModelVersion = 3, ExampleCount = 120,
                Tensors = { TensorWire.Specs(delta) }, DataBytes = delta.DataBytes, DeltaSha256 = ByteString.CopyFrom(delta.ComputeSha256()),
            },
        }.ToByteArray())];

        new FuzzCampaign("update-upload", output) { MaxAllocatedBytes = 8 * MaxModelBytes }.Run(
            Gen.Select(Mutations.Of(headers), Mutations.Of(DataSeeds)), ciCases: 5000, input =>
            {
                (byte[] headerBytes, byte[] data) = input;
                if (Parse(UpdateChunk.Parser, headerBytes) is not { } chunk)
                {
                    return "the protobuf parser refused the header";
                }
                if (chunk.PartCase != UpdateChunk.PartOneofCase.Header)
                {
                    return "upload did not start with a header";
                }
                UpdateHeader header = chunk.Header;
                // What the aggregator checks before reading any data, then while and after reading it.
                Rejection? rejection = UpdateValidator.CheckDeclaredLayout(header.Tensors, header.DataBytes, header.ExampleCount, 1000, global);
                if (rejection is not null)
                {
                    return rejection.Reason;
                }
                try
                {
                    var assembler = new TensorAssembler(header.Tensors);
                    foreach (byte[] part in data.Chunk(ChunkBytes))
                    {
                        assembler.Append(part);
                    }
                    ModelState delta = assembler.Complete();
                    return (UpdateValidator.CheckDeclaredHash(header.DeltaSha256.Span, delta) ?? UpdateValidator.CheckFinite(delta))?.Reason;
                }
                catch (InvalidDataException e)
                {
                    return e.Message;
                }
            }, input => [.. input.Item1, .. input.Item2]);
    }

    /// <summary>The message, or null when protobuf refuses the bytes (gRPC's refusal, before any of our code runs).</summary>
    private static T? Parse<T>(MessageParser<T> parser, byte[] bytes) where T : class, IMessage<T>
    {
        try
        {
            return parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException)
        {
            return null;
        }
    }
}
