using System.Numerics;
using FedFace.Core.SecureAggregation;

namespace FedFace.Core.Tests.SecureAggregation;

public class Mersenne61Tests
{
    private static readonly BigInteger s_prime = (BigInteger.One << 61) - 1;

    [Fact]
    public void Arithmetic_agrees_with_big_integers()
    {
        var random = new Random(5);
        ulong[] specials = [0, 1, 2, Mersenne61.Prime - 1, Mersenne61.Prime - 2, 1UL << 60, (1UL << 32) + 7];
        var values = specials.Concat(Enumerable.Range(0, 200).Select(_ => (ulong)random.NextInt64() % Mersenne61.Prime)).ToArray();
        for (int i = 0; i + 1 < values.Length; i++)
        {
            ulong a = values[i], b = values[i + 1];
            Assert.Equal((ulong)(((BigInteger)a * b) % s_prime), Mersenne61.Multiply(a, b));
            Assert.Equal((ulong)(((BigInteger)a + b) % s_prime), Mersenne61.Add(a, b));
            Assert.Equal((ulong)((((BigInteger)a - b) % s_prime + s_prime) % s_prime), Mersenne61.Subtract(a, b));
            if (a != 0) Assert.Equal(1UL, Mersenne61.Multiply(a, Mersenne61.Inverse(a)));
        }
        Assert.Throws<DivideByZeroException>(() => Mersenne61.Inverse(0));
    }

    [Fact]
    public void Random_elements_are_in_the_field()
    {
        ulong[] values = new ulong[1000];
        Mersenne61.FillRandom(values);
        Assert.All(values, v => Assert.True(v < Mersenne61.Prime));
        Assert.True(values.Distinct().Count() > 990);
    }
}
