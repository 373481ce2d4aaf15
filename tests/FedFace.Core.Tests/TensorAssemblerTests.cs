using FedFace.Protocol;
using FedFace.Protos.V1;
using Google.Protobuf;

namespace FedFace.Core.Tests;

public class TensorAssemblerTests
{
    /// <summary>Zero-element tensors at the start, in the middle and at the end, around odd-sized ones.</summary>
    private static ModelState WithEmptyTensors() => Models.Random(11, 2f,
        ("empty.start", [0]), ("a", [5, 7]), ("empty.middle", [3, 0]), ("b", [13]), ("c", [2, 2, 2]), ("empty.end", [0, 4]));

    private static ModelState Assemble(ModelState model, IEnumerable<ByteString> chunks)
    {
        var assembler = new TensorAssembler(TensorWire.Specs(model));
        foreach (ByteString chunk in chunks)
        {
            assembler.Append(chunk.Span);
        }
        return assembler.Complete();
    }

    [Theory]
    [InlineData(4)]
    [InlineData(12)]
    [InlineData(1000)]
    [InlineData(1 << 20)]
    public void Roundtrips_exactly_through_chunks_with_empty_tensors_anywhere(int chunkBytes)
    {
        ModelState model = WithEmptyTensors();
        ModelState received = Assemble(model, TensorWire.DataChunks(model, chunkBytes));
        Models.AssertIdentical(model, received);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(7)]
    public void Reassembles_chunks_that_split_floats_at_any_byte(int sliceBytes)
    {
        ModelState model = WithEmptyTensors();
        byte[] raw = Models.RawBytes(model);
        var assembler = new TensorAssembler(TensorWire.Specs(model));
        for (int offset = 0; offset < raw.Length; offset += sliceBytes)
        {
            assembler.Append(raw.AsSpan(offset, Math.Min(sliceBytes, raw.Length - offset)));
        }
        Models.AssertIdentical(model, assembler.Complete());
    }

    [Fact]
    public void A_model_larger_than_one_chunk_roundtrips_exactly_with_an_unchanged_hash()
    {
        ModelState model = Models.Random(5, 1f, ("a", [300_000]), ("b", [600, 333]), ("c", [100_200]));
        Assert.Equal(600_000, model.ParameterCount);
        ModelHeader header = TensorWire.ModelHeaderOf(model, 1);

        var assembler = new TensorAssembler(header.Tensors);
        Assert.Equal(header.DataBytes, assembler.ExpectedBytes);
        foreach (ByteString chunk in TensorWire.DataChunks(model))
        {
            assembler.Append(chunk.Span);
        }
        ModelState received = assembler.Complete();

        Models.AssertIdentical(model, received);
        Assert.Equal(header.Sha256.ToByteArray(), received.ComputeSha256());
    }

    [Fact]
    public void Special_float_bit_patterns_survive_the_wire()
    {
        float[] values =
        [
            -0f, float.Epsilon, -float.Epsilon, float.MaxValue, float.MinValue,
            float.PositiveInfinity, float.NegativeInfinity, float.NaN, BitConverter.Int32BitsToSingle(0x7FC0_1234),
        ];
        var model = new ModelState([new NamedTensor("x", [values.Length], values)]);
        Models.AssertIdentical(model, Assemble(model, TensorWire.DataChunks(model, 8)));
    }

    [Fact]
    public void Tracks_expected_and_received_bytes()
    {
        var model = new ModelState([new NamedTensor("a", [2], [1f, 2f]), NamedTensor.Zeros("e", [0]), new NamedTensor("b", [1], [3f])]);
        var assembler = new TensorAssembler(TensorWire.Specs(model));
        Assert.Equal(12, assembler.ExpectedBytes);
        Assert.Equal(0, assembler.ReceivedBytes);
        Assert.False(assembler.IsComplete);

        byte[] raw = Models.RawBytes(model);
        assembler.Append(raw.AsSpan(0, 6));
        Assert.Equal(6, assembler.ReceivedBytes);
        Assert.False(assembler.IsComplete);
        assembler.Append([]);
        Assert.Equal(6, assembler.ReceivedBytes);
        assembler.Append(raw.AsSpan(6));
        Assert.True(assembler.IsComplete);
    }

    [Fact]
    public void A_header_declaring_a_large_model_allocates_next_to_nothing_until_its_data_arrives()
    {
        // 48 MB declared: a held-open upload with a valid header used to cost the aggregator that much before any data.
        TensorSpec[] specs = [new TensorSpec { Name = "big", Shape = { 3000, 4000 }, DataType = DataType.Float32 }];
        long before = GC.GetAllocatedBytesForCurrentThread();
        var assembler = new TensorAssembler(specs);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(allocated < 16 << 10, $"declaring 48 MB allocated {allocated} bytes before any data");
        Assert.Equal(0, assembler.AllocatedBytes);
        assembler.Append(new byte[1000]);
        Assert.Equal(TensorWire.DefaultChunkBytes, assembler.AllocatedBytes);
    }

    [Fact]
    public void Buffers_grow_with_the_data_to_at_most_twice_what_arrived_and_end_at_the_declared_size()
    {
        ModelState model = Models.Random(5, 1f, ("small", [10]), ("empty", [0]), ("large", [300, 1000]));
        var assembler = new TensorAssembler(TensorWire.Specs(model));
        foreach (ByteString chunk in TensorWire.DataChunks(model, 4096))
        {
            assembler.Append(chunk.Span);
            Assert.True(assembler.AllocatedBytes <= 2 * assembler.ReceivedBytes + TensorWire.DefaultChunkBytes,
                $"{assembler.AllocatedBytes} bytes allocated for {assembler.ReceivedBytes} received");
        }
        Assert.Equal(model.DataBytes, assembler.AllocatedBytes);
        Models.AssertIdentical(model, assembler.Complete());
    }

    [Fact]
    public void Refuses_more_data_than_declared_naming_the_byte_counts()
    {
        var model = new ModelState([new NamedTensor("a", [3], [1f, 2f, 3f])]);
        var assembler = new TensorAssembler(TensorWire.Specs(model));
        assembler.Append(Models.RawBytes(model));

        var error = Assert.Throws<InvalidDataException>(() => assembler.Append(new byte[4]));
        Assert.Contains("16 bytes", error.Message);
        Assert.Contains("12 declared", error.Message);
        // The refused chunk was not taken in: the declared data is still intact.
        Assert.Equal(12, assembler.ReceivedBytes);
        Assert.Equal([1f, 2f, 3f], assembler.Complete()["a"].Values);
    }

    [Fact]
    public void Refuses_a_single_oversized_chunk_before_copying_any_of_it()
    {
        var assembler = new TensorAssembler(TensorWire.Specs(new ModelState([NamedTensor.Zeros("a", [2])])));
        var error = Assert.Throws<InvalidDataException>(() => assembler.Append(new byte[9]));
        Assert.Contains("9 bytes for 8 declared", error.Message);
        Assert.Equal(0, assembler.ReceivedBytes);
    }

    [Fact]
    public void Refuses_any_data_when_nothing_was_declared()
    {
        var assembler = new TensorAssembler(TensorWire.Specs(new ModelState([NamedTensor.Zeros("e", [0])])));
        Assert.Throws<InvalidDataException>(() => assembler.Append(new byte[1]));
        Assert.Equal(["e"], assembler.Complete().Tensors.Select(t => t.Name));
    }

    [Fact]
    public void Complete_refuses_a_short_stream_naming_the_byte_counts()
    {
        ModelState model = WithEmptyTensors();
        byte[] raw = Models.RawBytes(model);
        var assembler = new TensorAssembler(TensorWire.Specs(model));
        assembler.Append(raw.AsSpan(0, raw.Length - 1));

        var error = Assert.Throws<InvalidDataException>(() => assembler.Complete());
        Assert.Contains($"after {raw.Length - 1} of {raw.Length} declared bytes", error.Message);
    }

    [Fact]
    public void Complete_with_no_data_at_all_is_refused_when_data_was_declared()
    {
        var assembler = new TensorAssembler(TensorWire.Specs(new ModelState([NamedTensor.Zeros("a", [1])])));
        var error = Assert.Throws<InvalidDataException>(() => assembler.Complete());
        Assert.Contains("after 0 of 4", error.Message);
    }

    [Fact]
    public void Refuses_a_tensor_that_is_not_float32_naming_it()
    {
        TensorSpec[] specs = [new TensorSpec { Name = "w", Shape = { 2 }, DataType = DataType.Unspecified }];
        var error = Assert.Throws<InvalidDataException>(() => new TensorAssembler(specs));
        Assert.Contains("'w'", error.Message);
    }

    [Fact]
    public void Declared_data_beyond_the_limit_or_disagreeing_with_the_shapes_is_refused_before_anything_is_allocated()
    {
        // A header naming a 1 GB tensor while declaring a few bytes would otherwise let the stream grow buffers past the limit.
        TensorSpec[] huge = [.. TensorWire.Specs(new ModelState([NamedTensor.Zeros("a", [2])]))];
        huge[0].Shape.Clear();
        huge[0].Shape.Add(1L << 28);
        ModelState small = new([NamedTensor.Zeros("a", [2])]);

        var tooLarge = Assert.Throws<InvalidDataException>(() => TensorAssembler.ForDeclared(TensorWire.Specs(small), 1 << 20, 1 << 10, "model v3"));
        var disagreeing = Assert.Throws<InvalidDataException>(() => TensorAssembler.ForDeclared(huge, 8, 1 << 10, "model v3"));
        TensorAssembler fitting = TensorAssembler.ForDeclared(TensorWire.Specs(small), 8, 1 << 10, "model v3");

        Assert.Equal("model v3 declares 1048576 bytes, more than the limit 1024", tooLarge.Message);
        Assert.Equal("model v3 declares 8 bytes, but its tensors' shapes hold 1073741824", disagreeing.Message);
        Assert.Equal(8, fitting.ExpectedBytes);
    }

    /// <summary>Shapes a header can declare that no tensor can hold: each refused as bad data naming the tensor, not a crash.</summary>
    [Theory]
    [InlineData(new long[] { 3, -2 }, "tensor 'w' has a negative dimension in shape [3, -2]")]
    [InlineData(new long[] { 1L << 40, 1L << 40 }, "tensor 'w' has shape [1099511627776, 1099511627776], more than the 536870911 elements one tensor may hold")]
    [InlineData(new long[] { 1L << 29 }, "tensor 'w' has shape [536870912], more than the 536870911 elements one tensor may hold")]
    public void A_shape_no_tensor_can_hold_is_refused_as_bad_data_naming_the_tensor(long[] shape, string reason)
    {
        TensorSpec[] specs = [new TensorSpec { Name = "w", Shape = { shape }, DataType = DataType.Float32 }];

        Assert.Equal(reason, Assert.Throws<InvalidDataException>(() => new TensorAssembler(specs)).Message);
    }

    [Fact]
    public void A_tensor_name_declared_twice_is_refused_as_bad_data()
    {
        TensorSpec[] specs = [.. TensorWire.Specs(new ModelState([NamedTensor.Zeros("w", [1])])), .. TensorWire.Specs(new ModelState([NamedTensor.Zeros("w", [2])]))];

        Assert.Equal("tensor name 'w' is declared twice", Assert.Throws<InvalidDataException>(() => new TensorAssembler(specs)).Message);
    }
}
