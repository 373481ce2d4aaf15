using FedFace.Protocol;
using FedFace.Protos.V1;
using Google.Protobuf;

namespace FedFace.Core.Tests;

public class TensorWireTests
{
    private static ModelState ThreeTensors() => Models.Random(3, 1f, ("a", [3]), ("b", [5]), ("c", [2, 2]));

    [Fact]
    public void Specs_name_every_tensor_in_order_with_its_shape_as_float32()
    {
        ModelState model = ThreeTensors();
        TensorSpec[] specs = TensorWire.Specs(model).ToArray();
        Assert.Equal(["a", "b", "c"], specs.Select(s => s.Name));
        Assert.Equal([2L, 2L], specs[2].Shape);
        Assert.All(specs, s => Assert.Equal(DataType.Float32, s.DataType));
    }

    [Fact]
    public void Model_header_carries_version_hash_specs_and_data_bytes()
    {
        ModelState model = ThreeTensors();
        ModelHeader header = TensorWire.ModelHeaderOf(model, 42);
        Assert.Equal(42, header.ModelVersion);
        Assert.Equal(model.ComputeSha256(), header.Sha256.ToByteArray());
        Assert.Equal(12 * sizeof(float), header.DataBytes);
        Assert.Equal(TensorWire.Specs(model), header.Tensors);
    }

    [Fact]
    public void Default_chunks_are_64_KiB_within_the_1_MiB_limit_and_all_but_the_last_are_full()
    {
        Assert.Equal(1 << 20, TensorWire.MaxChunkBytes);
        Assert.Equal(64 << 10, TensorWire.DefaultChunkBytes);
        // 600k floats = 2.4 MB across three tensors: 36 full 64 KiB chunks and a partial one.
        ModelState model = Models.Random(5, 1f, ("a", [300_000]), ("b", [200_000]), ("c", [100_000]));
        ByteString[] chunks = TensorWire.DataChunks(model).ToArray();

        Assert.Equal((int)Math.Ceiling(model.DataBytes / (double)TensorWire.DefaultChunkBytes), chunks.Length);
        Assert.All(chunks[..^1], c => Assert.Equal(TensorWire.DefaultChunkBytes, c.Length));
        Assert.InRange(chunks[^1].Length, 1, TensorWire.DefaultChunkBytes);
        Assert.Equal(model.DataBytes, chunks.Sum(c => (long)c.Length));
    }

    [Theory]
    [InlineData(4)]
    [InlineData(8)]
    [InlineData(12)]
    [InlineData(16)]
    [InlineData(1000)]
    [InlineData(4096)]
    [InlineData(1 << 20)]
    public void Chunks_of_any_allowed_size_are_full_except_the_last_and_concatenate_to_the_raw_data(int chunkBytes)
    {
        ModelState model = Models.Random(9, 1f, ("a", [3]), ("empty", [0]), ("b", [257]), ("c", [4, 25]));
        ByteString[] chunks = TensorWire.DataChunks(model, chunkBytes).ToArray();

        Assert.NotEmpty(chunks);
        Assert.All(chunks[..^1], c => Assert.Equal(chunkBytes, c.Length));
        Assert.InRange(chunks[^1].Length, 1, chunkBytes);
        Assert.Equal(Models.RawBytes(model), chunks.SelectMany(c => c.ToByteArray()).ToArray());
    }

    [Fact]
    public void Chunks_cross_tensor_boundaries()
    {
        var model = new ModelState([new NamedTensor("a", [3], [1f, 2f, 3f]), new NamedTensor("b", [5], [4f, 5f, 6f, 7f, 8f])]);
        ByteString[] chunks = TensorWire.DataChunks(model, 16).ToArray();

        Assert.Equal([16, 16], chunks.Select(c => c.Length));
        // The first chunk ends with the first float of "b".
        Assert.Equal([1f, 2f, 3f, 4f], System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(chunks[0].Span).ToArray());
        Assert.Equal([5f, 6f, 7f, 8f], System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(chunks[1].Span).ToArray());
    }

    [Fact]
    public void A_model_that_fills_its_chunks_exactly_ends_without_an_empty_chunk()
    {
        var model = new ModelState([new NamedTensor("a", [4], [1f, 2f, 3f, 4f]), NamedTensor.Zeros("empty", [0])]);
        Assert.Equal([8, 8], TensorWire.DataChunks(model, 8).Select(c => c.Length));
    }

    [Fact]
    public void A_model_without_data_gives_no_chunks()
    {
        Assert.Empty(TensorWire.DataChunks(new ModelState([])));
        Assert.Empty(TensorWire.DataChunks(new ModelState([NamedTensor.Zeros("e", [0]), NamedTensor.Zeros("f", [3, 0])])));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-4)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(1001)]
    [InlineData((1 << 20) + 4)]
    [InlineData(int.MaxValue)]
    public void Chunk_sizes_that_cannot_hold_whole_floats_or_exceed_the_limit_are_rejected(int chunkBytes)
    {
        // Validation happens when enumeration starts (DataChunks is an iterator).
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => TensorWire.DataChunks(ThreeTensors(), chunkBytes).ToList());
        Assert.Equal("chunkBytes", error.ParamName);
        Assert.Contains(chunkBytes.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message);
    }
}
