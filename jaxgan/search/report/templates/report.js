// Sorts a table by the clicked column: numbers by value, text
// alphabetically; a second click reverses the order.
document.querySelectorAll('table.sortable').forEach(function (table) {
  var headers = table.tHead.rows[0].cells;
  Array.prototype.forEach.call(headers, function (th, column) {
    th.addEventListener('click', function () {
      var ascending = th.getAttribute('aria-sort') !== 'ascending';
      Array.prototype.forEach.call(headers, function (other) {
        other.removeAttribute('aria-sort');
      });
      th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      var key = function (row) {
        var cell = row.cells[column];
        var number = cell && cell.getAttribute('data-sort');
        return number !== null && number !== undefined && number !== ''
            ? [0, parseFloat(number)] : [1, cell ? cell.textContent : ''];
      };
      rows.sort(function (a, b) {
        var x = key(a), y = key(b);
        var order = x[0] - y[0] ||
            (x[0] === 0 ? (x[1] - y[1] || 0) : x[1].localeCompare(y[1]));
        return ascending ? order : -order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
});
