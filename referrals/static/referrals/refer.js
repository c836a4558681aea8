// The refer form: show the phone or e-mail box only for the way the participant wants to be reached.
// Without JavaScript both boxes show, and the server keeps only the one that was chosen.
(function () {
  "use strict";
  var choices = document.querySelectorAll('input[name="contact_preference"]');
  if (!choices.length) {
    return;
  }
  var needs = { phone: ["phone", "text"], email: ["email"] };

  function update() {
    var checked = document.querySelector('input[name="contact_preference"]:checked');
    var preference = checked ? checked.value : "none";
    Object.keys(needs).forEach(function (name) {
      var field = document.querySelector('[data-contact="' + name + '"]');
      if (field) {
        field.hidden = needs[name].indexOf(preference) === -1 && !field.classList.contains("field--error");
      }
    });
  }

  choices.forEach(function (choice) {
    choice.addEventListener("change", update);
  });
  update();
})();
