using FedFace.Core;
using FedFace.Core.Security;

namespace FedFace.Transport;

/// <summary>A global model as downloaded, with the aggregator's signature over it, already verified (invariant 5).</summary>
public sealed record DownloadedModel(ModelState Model, ModelSignature Signature);
