using FedFace.Core;
using FedFace.Core.Security;
using FedFace.Protocol;
using FedFace.Protos.V1;
using Grpc.Core;

namespace FedFace.Transport;

/// <summary>
/// A site's two bulk transfers: the global model down (chunked, hash-checked) and its update up (chunked).
/// The edge client and the benchmarks both use this, so the benchmark measures the path sites use.
/// </summary>
public static class ModelTransfer
{
    /// <summary>
    /// Downloads the round's global model and refuses it unless the aggregator signed it for this round (invariant 5). The
    /// header's signature is checked against <paramref name="verifier"/> before any data is read, and the data is hashed as
    /// it arrives and compared with the signed hash before any tensor is built: a model that is not the signed one is
    /// refused (<see cref="ModelSignatureException"/>, with the reason) without ever being parsed, and what it can make the
    /// site hold meanwhile is bounded by <paramref name="maxModelBytes"/>. <paramref name="assembling"/> is told just before
    /// the verified data is turned into tensors.
    /// </summary>
    public static async ValueTask<DownloadedModel> DownloadAsync(Federation.FederationClient client, RoundTask task, long maxModelBytes,
        ModelSignatureVerifier verifier, CancellationToken cancellationToken, Action? assembling = null)
    {
        ArgumentNullException.ThrowIfNull(verifier);
        using AsyncServerStreamingCall<ModelChunk> call = client.DownloadModel(
            new DownloadModelRequest { ProtocolVersion = WireProtocol.Version, ModelVersion = task.ModelVersion }, cancellationToken: cancellationToken);
        IAsyncStreamReader<ModelChunk> stream = call.ResponseStream;
        if (!await stream.MoveNext(cancellationToken) || stream.Current.PartCase != ModelChunk.PartOneofCase.Header)
        {
            throw new InvalidDataException($"model v{task.ModelVersion} download did not start with a header");
        }
        ModelHeader header = stream.Current.Header;
        if (header.ModelVersion != task.ModelVersion || !header.Sha256.Equals(task.ModelSha256))
        {
            throw new InvalidDataException($"the aggregator sent model v{header.ModelVersion} with another hash than round {task.Round} announced");
        }
        ModelSignature signature = SignatureOf(header, task, verifier);
        string what = $"model v{header.ModelVersion}";
        using var data = new UnverifiedModelData(DeclaredTensor.OfDeclared(header.Tensors, header.DataBytes, maxModelBytes, what), what);
        while (await stream.MoveNext(cancellationToken))
        {
            data.Append(stream.Current.Data);
        }
        ModelState model = data.AssembleIfSigned(signature.ModelSha256, assembling);
        // A non-finite model can be signed correctly (by an aggregator from before the commit check) and still break every step of training.
        if (OutOfRangeValue.FirstIn(model) is { } nonFinite)
        {
            throw new InvalidDataException($"model v{task.ModelVersion} is not finite ({nonFinite}); refusing to load it: training from it could only give NaN");
        }
        return new DownloadedModel(model, signature);
    }

    /// <summary>The header's signature, checked for the hash the round announced; refused with the reason unless valid.</summary>
    private static ModelSignature SignatureOf(ModelHeader header, RoundTask task, ModelSignatureVerifier verifier)
    {
        ModelSignature? signature = ModelSignatureWire.FromWire(header.Signature);
        ModelSignatureCheck check = signature is null
            ? new ModelSignatureCheck(ModelSignatureFailure.Malformed, $"model v{task.ModelVersion} came without the aggregator's signature")
            : verifier.Verify(signature, task.ModelSha256.Span, task.ModelVersion, task.ModelRound);
        check.ThrowIfInvalid();
        return signature!;
    }

    /// <summary>Streams the header, then the delta's data in chunks of at most 1 MiB; returns the aggregator's verdict.</summary>
    public static async ValueTask<UploadReply> UploadAsync(Federation.FederationClient client, UpdateHeader header, ModelState delta,
        CancellationToken cancellationToken)
    {
        using AsyncClientStreamingCall<UpdateChunk, UploadReply> call = client.UploadUpdate(cancellationToken: cancellationToken);
        try
        {
            await call.RequestStream.WriteAsync(new UpdateChunk { Header = header }, cancellationToken);
            foreach (var chunk in TensorWire.DataChunks(delta))
            {
                await call.RequestStream.WriteAsync(new UpdateChunk { Data = chunk }, cancellationToken);
            }
            await call.RequestStream.CompleteAsync();
        }
        catch (Exception e) when (e is InvalidOperationException or RpcException)
        {
            // Either the aggregator answered before reading everything (it refused the header) and its reply
            // says why, or the transport failed and awaiting the reply raises that fault.
        }
        return await call.ResponseAsync;
    }

    public static UpdateHeader HeaderFor(RoundTask task, ModelState delta, long exampleCount) => new()
    {
        ProtocolVersion = WireProtocol.Version,
        Round = task.Round,
        BaseModelVersion = task.ModelVersion,
        ExampleCount = exampleCount,
        Tensors = { TensorWire.Specs(delta) },
        DataBytes = delta.DataBytes,
        DeltaSha256 = Google.Protobuf.ByteString.CopyFrom(delta.ComputeSha256()),
    };
}
