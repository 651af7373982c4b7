// The payment page's card form: Stripe.js takes the card and confirms the booking's
// SetupIntent with Stripe (the card never reaches our server); the form then tells our
// server which SetupIntent to check. When the bank asks to check a payment, Stripe.js shows
// its check and the form asks our server how the payment stands.
(function () {
  "use strict";
  const form = document.getElementById("payment-form");
  if (!form || typeof Stripe === "undefined") return;
  const stripe = Stripe(form.dataset.publishableKey);
  const field = (name) => form.querySelector(`input[name="${name}"]`);

  if (form.dataset.paymentSecret) {
    stripe.confirmCardPayment(form.dataset.paymentSecret).then(() => {
      field("checked").value = "1";
      form.submit();
    });
    return;
  }

  const card = stripe.elements().create("card");
  card.mount("#card-element");
  const button = document.getElementById("pay-button");
  const errors = document.getElementById("card-errors");
  button.disabled = false;

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    errors.textContent = "";
    const result = await stripe.confirmCardSetup(form.dataset.setupSecret, {
      payment_method: { card: card, billing_details: { name: form.dataset.clientName } },
    });
    if (result.error) {
      // Said by our server, which also starts a fresh card form for the next try.
      field("card_error").value = result.error.message || "Your card was not accepted.";
    } else {
      field("setup_intent").value = result.setupIntent.id;
    }
    form.submit();
  });
})();
