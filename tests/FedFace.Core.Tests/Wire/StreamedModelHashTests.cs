using FedFace.Protocol;

namespace FedFace.Core.Tests.Wire;

public class StreamedModelHashTests
{
    /// <summary>Empty tensors first, between and last, and chunks that cut tensors anywhere: the hash is the model's own.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(1000)]
    public void The_hash_of_streamed_data_is_the_canonical_hash_of_the_model_however_it_is_chunked(int chunkBytes)
    {
        var random = new Random(chunkBytes);
        ModelState model = new([
            NamedTensor.Zeros("empty.first", [0]),
            new NamedTensor("a", [2, 3], [.. Enumerable.Range(0, 6).Select(_ => random.NextSingle())]),
            NamedTensor.Zeros("empty.between", [4, 0]),
            new NamedTensor("b", [5], [.. Enumerable.Range(0, 5).Select(_ => random.NextSingle())]),
            NamedTensor.Zeros("empty.last", [0, 2]),
        ]);
        byte[] data = [.. TensorWire.DataChunks(model).SelectMany(c => c.ToByteArray())];
        using var hash = new StreamedModelHash(DeclaredTensor.Of(TensorWire.Specs(model)));

        for (int offset = 0; offset < data.Length; offset += chunkBytes)
        {
            hash.Append(data.AsSpan(offset, Math.Min(chunkBytes, data.Length - offset)));
        }

        Assert.Equal(model.ComputeSha256(), hash.Complete());
    }

    [Fact]
    public void Data_beyond_or_short_of_the_declared_size_is_refused_saying_how_much()
    {
        ModelState model = new([NamedTensor.Zeros("a", [2])]);
        using var hash = new StreamedModelHash(DeclaredTensor.Of(TensorWire.Specs(model)));
        hash.Append(new byte[4]);

        Assert.Equal("stream ended after 4 of 8 declared bytes", Assert.Throws<InvalidDataException>(() => hash.Complete()).Message);
        Assert.Equal("more data than declared: 12 bytes for 8 declared", Assert.Throws<InvalidDataException>(() => hash.Append(new byte[8])).Message);
    }
}
