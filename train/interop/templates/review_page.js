
(function () {
  function rgb(hex) {
    if (hex.length === 4) { hex = '#' + hex[1] + hex[1] + hex[2] + hex[2] + hex[3] + hex[3]; }
    var n = parseInt(hex.slice(1), 16);
    return 'rgb(' + (n >> 16 & 255) + ', ' + (n >> 8 & 255) + ', ' + (n & 255) + ')';
  }
  var marks = document.querySelectorAll('mark.ent');
  var visible = 0, colored = 0, flagged = { miss: 0, spurious: 0 };
  marks.forEach(function (m) {
    var box = m.getBoundingClientRect(), style = getComputedStyle(m);
    if (box.width > 0 && box.height > 0) { visible += 1; }
    if (m.dataset.color.charAt(0) !== '#' || style.backgroundColor === rgb(m.dataset.color)) { colored += 1; }
    ['miss', 'spurious'].forEach(function (k) {
      if (m.classList.contains(k) && style.outlineStyle !== 'none' && box.width > 0) { flagged[k] += 1; }
    });
  });
  var body = document.body, gold = document.querySelector('.side[data-side="gold"]');
  var pred = document.querySelector('.side[data-side="prediction"]');
  body.dataset.marks = marks.length;
  body.dataset.visibleMarks = visible;
  body.dataset.coloredMarks = colored;
  body.dataset.visibleMisses = flagged.miss;
  body.dataset.visibleSpurious = flagged.spurious;
  body.dataset.relations = document.querySelectorAll('li.rel').length;
  body.dataset.direction = getComputedStyle(body).direction;
  body.dataset.goldOnRight = gold && pred ?
    String(gold.getBoundingClientRect().left > pred.getBoundingClientRect().left) : 'n/a';
  body.dataset.rendered = 'yes';
})();
