using FedFace.Learning.Heads;
using static TorchSharp.torch;

namespace FedFace.Learning.Tests;

public sealed class ArcFaceHeadTests
{
    private const double Scale = 8;
    private const double Margin = 0.5;

    // Three 2-d class centres and three labelled embeddings (deliberately not unit length: the head normalises):
    // sample 0 lies on its class centre (θ = 0), sample 1 at 45° from its centre, and sample 2 at about 174° from
    // its centre, so θ + m > π there and the linear fallback applies.
    private static readonly float[,] s_centres = { { 1, 0 }, { 0, 2 }, { -3, 0 } };
    private static readonly float[,] s_embeddings = { { 2, 0 }, { 1, 1 }, { 1, 0.1f } };
    private static readonly long[] s_labels = [0, 1, 2];

    [Fact]
    public void Loss_equals_the_hand_computed_arcface_cross_entropy_including_a_sample_past_pi_minus_m()
    {
        using var head = NewHead();
        using var scope = NewDisposeScope();
        double loss = head.Loss(tensor(s_embeddings), tensor(s_labels)).item<float>();

        Assert.Equal(ExpectedLoss(), loss, 1e-4);
    }

    [Fact]
    public void Sample_past_pi_minus_m_gets_cos_theta_minus_m_sin_m_not_cos_theta_plus_m()
    {
        using var head = NewHead();
        using var scope = NewDisposeScope();
        float[] logits = head.call(tensor(s_embeddings), tensor(s_labels)).data<float>().ToArray();

        double cosine = Cosine(2, 2);
        Assert.True(Math.Acos(cosine) + Margin > Math.PI); // the case under test
        Assert.Equal(Scale * (cosine - Math.Sin(Math.PI - Margin) * Margin), logits[2 * 3 + 2], 1e-4);
        Assert.Equal(Scale * Math.Cos(Math.PI / 4 + Margin), logits[1 * 3 + 1], 1e-4);
        Assert.Equal(Scale * Cosine(1, 0), logits[1 * 3 + 0], 1e-4); // other classes: plain s·cos θ
    }

    [Fact]
    public void Gradients_stay_finite_when_an_embedding_lies_exactly_on_its_centre()
    {
        using var head = NewHead();
        using var scope = NewDisposeScope();
        Tensor embeddings = tensor(s_embeddings).requires_grad_();
        head.Loss(embeddings, tensor(s_labels)).backward();

        Assert.True(isfinite(embeddings.grad!).all().item<bool>());
        Assert.True(isfinite(head.Weight.grad!).all().item<bool>());
    }

    [Fact]
    public void Defaults_are_s_64_and_m_0_5_and_the_weights_follow_the_seed()
    {
        using var head = new ArcFaceHead(classCount: 10, seed: 1);
        using var twin = new ArcFaceHead(classCount: 10, seed: 1);
        Assert.Equal((64.0, 0.5), (head.Scale, head.Margin));
        Assert.Equal(new long[] { 10, 128 }, head.Weight.shape);
        Assert.Equal(head.Weight.data<float>().ToArray(), twin.Weight.data<float>().ToArray());
    }

    private static ArcFaceHead NewHead()
    {
        var head = new ArcFaceHead(classCount: 3, seed: 1, embeddingSize: 2, scale: Scale, margin: Margin);
        using var noGrad = no_grad();
        head.Weight.copy_(tensor(s_centres));
        return head;
    }

    /// <summary>The textbook definition, with angles from acos (the head uses the cos/sin identity instead).</summary>
    private static double ExpectedLoss()
    {
        double total = 0;
        for (int i = 0; i < 3; i++)
        {
            var logits = new double[3];
            for (int c = 0; c < 3; c++)
            {
                double cosine = Cosine(i, c);
                double theta = Math.Acos(cosine);
                logits[c] = Scale * (c != s_labels[i] ? cosine
                    : theta + Margin <= Math.PI ? Math.Cos(theta + Margin)
                    : cosine - Math.Sin(Math.PI - Margin) * Margin);
            }
            double logSumExp = Math.Log(logits.Sum(Math.Exp));
            total += logSumExp - logits[s_labels[i]];
        }
        return total / 3;
    }

    private static double Cosine(int sample, int centre)
    {
        double ex = s_embeddings[sample, 0], ey = s_embeddings[sample, 1];
        double wx = s_centres[centre, 0], wy = s_centres[centre, 1];
        return (ex * wx + ey * wy) / Math.Sqrt((ex * ex + ey * ey) * (wx * wx + wy * wy));
    }
}
