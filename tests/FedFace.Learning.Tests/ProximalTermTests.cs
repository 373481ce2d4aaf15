using FedFace.Learning.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FedFace.Learning.Tests;

public sealed class ProximalTermTests
{
    [Fact]
    public void FedProx_adds_mu_times_w_minus_w_global_to_the_plain_gradient_and_mu_half_squared_distance_to_the_loss()
    {
        const double mu = 0.3;
        float[] global = [1, 2, -3];
        float[] local = [1.5f, 1, -2];
        float[] x = [4, -1, 0.5f];
        using var w = new Parameter(tensor(global));
        using var proximal = new ProximalTerm([w], mu); // anchored at the global weights
        using (no_grad())
        {
            w.copy_(tensor(local)); // the site has moved away from them
        }

        using DisposeScope scope = NewDisposeScope();
        Tensor plainLoss = (w * tensor(x)).sum();      // gradient x
        Tensor proximalLoss = proximal.Loss();
        (plainLoss + proximalLoss).backward();

        double squaredDistance = local.Zip(global).Sum(p => Math.Pow(p.First - p.Second, 2));
        Assert.Equal(mu / 2 * squaredDistance, proximalLoss.item<float>(), 1e-6);
        float[] expected = [.. x.Select((xi, i) => (float)(xi + mu * (local[i] - global[i])))];
        Assert.Equal(expected, w.grad!.data<float>().ToArray(), (a, b) => Math.Abs(a - b) < 1e-6);
    }

    [Fact]
    public void The_anchor_is_a_copy_that_later_steps_do_not_move()
    {
        using var w = new Parameter(tensor(new float[] { 2, 2 }));
        using var proximal = new ProximalTerm([w], mu: 1);
        using DisposeScope scope = NewDisposeScope();
        Assert.Equal(0f, proximal.Loss().item<float>());
        using (no_grad())
        {
            w.add_(1);
        }
        Assert.Equal(1f, proximal.Loss().item<float>()); // ½·(1² + 1²)
    }
}
