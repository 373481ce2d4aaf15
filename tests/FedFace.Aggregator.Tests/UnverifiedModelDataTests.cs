using FedFace.Aggregator.Tests.Kit;
using FedFace.Core;
using FedFace.Core.Security;
using FedFace.Protocol;
using FedFace.Transport;

namespace FedFace.Aggregator.Tests;

/// <summary>A download's data is built into tensors only when it hashes to what the aggregator signed.</summary>
public sealed class UnverifiedModelDataTests
{
    [Fact]
    public void Data_that_is_not_the_signed_model_is_refused_and_no_tensor_is_built()
    {
        ModelState signed = TestModels.Small(seed: 1);
        ModelState sent = TestModels.Small(seed: 2); // same layout, other values: what a lying aggregator streams after a valid header
        using var data = Receive(sent);
        int assembled = 0;

        var refused = Assert.Throws<ModelSignatureException>(() => data.AssembleIfSigned(signed.ComputeSha256(), () => assembled++));

        Assert.Equal(ModelSignatureFailure.ModelHashMismatch, refused.Check.Failure);
        Assert.Equal($"the data of model v4 has SHA-256 {sent.ComputeSha256Hex()}, but the aggregator signed {signed.ComputeSha256Hex()}", refused.Check.Reason);
        Assert.Equal(0, assembled);
    }

    [Fact]
    public void Data_that_is_the_signed_model_is_built_into_its_tensors()
    {
        ModelState model = TestModels.Small(seed: 3);
        using var data = Receive(model);

        TestModels.AssertSameValues(model, data.AssembleIfSigned(model.ComputeSha256()));
    }

    private static UnverifiedModelData Receive(ModelState model)
    {
        var data = new UnverifiedModelData(DeclaredTensor.Of(TensorWire.Specs(model)), "model v4");
        foreach (var chunk in TensorWire.DataChunks(model, chunkBytes: 12))
        {
            data.Append(chunk);
        }
        return data;
    }
}
