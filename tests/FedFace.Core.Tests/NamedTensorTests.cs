namespace FedFace.Core.Tests;

public class NamedTensorTests
{
    [Theory]
    [InlineData(new long[] { }, 1L)]
    [InlineData(new long[] { 0 }, 0L)]
    [InlineData(new long[] { 3, 0, 5 }, 0L)]
    [InlineData(new long[] { 2, 3, 4 }, 24L)]
    public void Element_count_is_the_product_of_the_dimensions(long[] shape, long count)
    {
        Assert.Equal(count, NamedTensor.ElementCount(shape));
    }

    [Fact]
    public void Element_count_refuses_negative_dimensions_and_overflow()
    {
        Assert.Contains("-2", Assert.Throws<ArgumentException>(() => NamedTensor.ElementCount([3, -2])).Message);
        Assert.Throws<OverflowException>(() => NamedTensor.ElementCount([long.MaxValue, 2]));
    }

    [Fact]
    public void A_scalar_has_one_value()
    {
        var scalar = new NamedTensor("s", [], [5f]);
        Assert.Equal("[]", scalar.ShapeText);
    }

    [Fact]
    public void Name_shape_and_values_are_required()
    {
        Assert.ThrowsAny<ArgumentException>(() => new NamedTensor("", [1], [1f]));
        Assert.Throws<ArgumentNullException>(() => new NamedTensor(null!, [1], [1f]));
        Assert.Throws<ArgumentNullException>(() => new NamedTensor("w", null!, [1f]));
        Assert.Throws<ArgumentNullException>(() => new NamedTensor("w", [1], null!));
    }

    [Fact]
    public void Zeros_has_the_shape_and_only_zeros()
    {
        NamedTensor zeros = NamedTensor.Zeros("w", [2, 3]);
        Assert.Equal([2L, 3L], zeros.Shape);
        Assert.Equal(new float[6], zeros.Values);
    }

    [Fact]
    public void Clone_is_deep()
    {
        var original = new NamedTensor("w", [2], [1f, 2f]);
        NamedTensor clone = original.Clone();
        clone.Values[0] = 9f;
        clone.Shape[0] = 7;
        Assert.Equal([1f, 2f], original.Values);
        Assert.Equal([2L], original.Shape);
        Assert.Equal("w", clone.Name);
    }

    [Fact]
    public void Has_shape_compares_rank_and_dimensions()
    {
        var tensor = NamedTensor.Zeros("w", [2, 3]);
        Assert.True(tensor.HasShape([2, 3]));
        Assert.False(tensor.HasShape([3, 2]));
        Assert.False(tensor.HasShape([6]));
        Assert.False(tensor.HasShape([2, 3, 1]));
        Assert.Equal("[2, 3]", tensor.ShapeText);
    }
}
